// Turns a module's interface into TypeScript declarations, built as a syntax tree with the
// TypeScript compiler API (ts.factory) and printed by its printer, so the output is always
// syntactically valid TypeScript whatever names the module uses.
//
// Type mapping (the WebAssembly JS API's ToJSValue/ToWebAssemblyValue):
//   i32, f32, f64 -> number; i64 -> bigint; v128 -> never (the JS API throws a TypeError on any
//   call that passes or returns one); funcref -> Function | null; externref -> unknown; every
//   other reference type -> unknown. No result -> void; several results -> a tuple.
import { createRequire } from 'node:module';
import type { Node, NodeFactory, ParameterDeclaration, PropertyName, PropertySignature, Statement, TypeElement, TypeNode } from 'typescript';
import { commentText } from './comment-text.js';
import type { FuncSignature, ItemType, ModuleInterface } from './module-interface.js';

// The TypeScript compiler is loaded on the first printDeclarations() call, not when this module
// is imported: it is ~9 MB of JavaScript, and the `wsbc` package re-exports generateTypes beside
// build() and run(), whose start-up must not pay for it.
// INVARIANT: `ts` and `f` are set by loadTypeScript() before any helper below runs; the helpers
// are only reachable through printDeclarations().
let ts: typeof import('typescript');
let f: NodeFactory;
function loadTypeScript(): void {
  if (ts) return;
  ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  f = ts.factory;
}

function valueType(name: string): TypeNode {
  switch (name) {
    case 'i32':
    case 'f32':
    case 'f64':
      return f.createKeywordTypeNode(ts.SyntaxKind.NumberKeyword);
    case 'i64':
      return f.createKeywordTypeNode(ts.SyntaxKind.BigIntKeyword);
    case 'v128':
      return f.createKeywordTypeNode(ts.SyntaxKind.NeverKeyword);
    case 'funcref':
      return f.createUnionTypeNode([f.createTypeReferenceNode('Function'), f.createLiteralTypeNode(f.createNull())]);
    default:
      return f.createKeywordTypeNode(ts.SyntaxKind.UnknownKeyword);
  }
}

function resultType(results: string[]): TypeNode {
  if (results.length === 0) return f.createKeywordTypeNode(ts.SyntaxKind.VoidKeyword);
  if (results.length === 1) return valueType(results[0]!);
  return f.createTupleTypeNode(results.map(valueType));
}

const reserved = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private protected public static yield await'.split(' '),
);

function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && !reserved.has(name);
}

function propertyName(name: string): PropertyName {
  return isIdentifier(name) ? f.createIdentifier(name) : f.createStringLiteral(name);
}

function parameters(signature: FuncSignature): ParameterDeclaration[] {
  const used = new Set<string>();
  return signature.params.map((type, i) => {
    let name = signature.paramNames?.[i];
    if (name === undefined || !isIdentifier(name) || used.has(name)) name = `p${i}`;
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    return f.createParameterDeclaration(undefined, undefined, name, undefined, valueType(type));
  });
}

function watSignature(signature: FuncSignature): string {
  const params = signature.params.length ? ` (param ${signature.params.join(' ')})` : '';
  const results = signature.results.length ? ` (result ${signature.results.join(' ')})` : '';
  return `(func${params}${results})`;
}

function watDescription(type: ItemType): string {
  switch (type.kind) {
    case 'func':
      return type.signature ? watSignature(type.signature) : '(func)';
    case 'global':
      return `(global ${type.mutable ? `(mut ${type.type})` : type.type})`;
    default:
      return `(${type.kind})`;
  }
}

function withDoc<T extends Node>(node: T, text: string): T {
  return ts.addSyntheticLeadingComment(node, ts.SyntaxKind.MultiLineCommentTrivia, `* ${text.replace(/\*\//g, '*\\/')} `, true);
}

function wasmType(name: string): TypeNode {
  return f.createTypeReferenceNode(f.createQualifiedName(f.createIdentifier('WebAssembly'), name));
}

/** A member describing one import or export. Functions become methods (exports) or properties (imports). */
function member(name: string, type: ItemType, asMethod: boolean, readonly: boolean): TypeElement {
  const modifiers = readonly ? [f.createModifier(ts.SyntaxKind.ReadonlyKeyword)] : undefined;
  switch (type.kind) {
    case 'func': {
      if (!type.signature) {
        return withDoc(f.createPropertySignature(modifiers, propertyName(name), undefined, f.createTypeReferenceNode('Function')), 'function of a type this generator does not know');
      }
      const doc = watSignature(type.signature) + (type.signature.params.includes('v128') || type.signature.results.includes('v128') ? ' - uses v128, which JavaScript cannot call' : '');
      if (asMethod) {
        return withDoc(f.createMethodSignature(undefined, propertyName(name), undefined, undefined, parameters(type.signature), resultType(type.signature.results)), doc);
      }
      const fn = f.createFunctionTypeNode(undefined, parameters(type.signature), resultType(type.signature.results));
      return withDoc(f.createPropertySignature(modifiers, propertyName(name), undefined, fn), doc);
    }
    case 'global':
      return withDoc(f.createPropertySignature(modifiers, propertyName(name), undefined, wasmType('Global')), watDescription(type));
    case 'memory':
      return f.createPropertySignature(modifiers, propertyName(name), undefined, wasmType('Memory'));
    case 'table':
      return f.createPropertySignature(modifiers, propertyName(name), undefined, wasmType('Table'));
    case 'tag':
      return withDoc(f.createPropertySignature(modifiers, propertyName(name), undefined, f.createKeywordTypeNode(ts.SyntaxKind.UnknownKeyword)), 'exception tag');
  }
}

/**
 * A module may import one module and name several times with different types. The caller passes
 * one value for all of them, so it must have every one of those types: one member typed as their
 * intersection (separate members would be duplicate identifiers, which do not type-check).
 */
function importMember(name: string, types: ItemType[]): TypeElement {
  const distinct = [...new Map(types.map((t) => [JSON.stringify(t), t])).values()];
  if (distinct.length === 1) return member(name, distinct[0]!, false, false);
  // Imports are never methods, so member() gives a property signature, always with a type.
  const parts = distinct.map((t) => member(name, t, false, false) as PropertySignature);
  const type = f.createIntersectionTypeNode(parts.map((p) => p.type!));
  return withDoc(f.createPropertySignature(undefined, propertyName(name), undefined, type), `imported as each of ${distinct.map(watDescription).join(', ')}`);
}

export interface DeclarationOptions {
  /** Shown in the header comment. */
  source: string;
  /** sha256 of the module, shown in the header so a stale declaration file is noticed. */
  sha256: string;
}

export function printDeclarations(iface: ModuleInterface, options: DeclarationOptions): string {
  loadTypeScript();
  const source = commentText(options.source);
  const exportModifier = [f.createModifier(ts.SyntaxKind.ExportKeyword)];
  const declareModifiers = [f.createModifier(ts.SyntaxKind.ExportKeyword), f.createModifier(ts.SyntaxKind.DeclareKeyword)];

  const exportsInterface = f.createInterfaceDeclaration(
    exportModifier,
    'Exports',
    undefined,
    undefined,
    iface.exports.map((e) => member(e.name, e.type, true, e.type.kind !== 'func')),
  );

  const byModule = new Map<string, Map<string, ItemType[]>>();
  for (const i of iface.imports) {
    const names = byModule.get(i.module) ?? new Map<string, ItemType[]>();
    names.set(i.name, [...(names.get(i.name) ?? []), i.type]);
    byModule.set(i.module, names);
  }
  const importsInterface = f.createInterfaceDeclaration(
    exportModifier,
    'Imports',
    undefined,
    undefined,
    [...byModule.entries()].map(([module, names]) =>
      f.createPropertySignature(undefined, propertyName(module), undefined, f.createTypeLiteralNode([...names].map(([name, types]) => importMember(name, types)))),
    ),
  );

  const instanceType = f.createTypeLiteralNode([
    f.createPropertySignature(undefined, 'instance', undefined, wasmType('Instance')),
    f.createPropertySignature(undefined, 'exports', undefined, f.createTypeReferenceNode('Exports')),
  ]);
  const needsImports = iface.imports.length > 0;
  const instantiate = withDoc(
    f.createFunctionDeclaration(
      declareModifiers,
      undefined,
      'instantiate',
      undefined,
      [
        f.createParameterDeclaration(undefined, undefined, 'imports', needsImports ? undefined : f.createToken(ts.SyntaxKind.QuestionToken), f.createTypeReferenceNode('Imports')),
        f.createParameterDeclaration(
          undefined,
          undefined,
          'source',
          f.createToken(ts.SyntaxKind.QuestionToken),
          f.createUnionTypeNode([f.createTypeReferenceNode('ArrayBuffer'), f.createTypeReferenceNode('ArrayBufferView'), wasmType('Module')]),
        ),
      ],
      f.createTypeReferenceNode('Promise', [instanceType]),
      undefined,
    ),
    `Instantiates ${source} (read next to the loader unless \`source\` is given) with \`imports\`.`,
  );
  const moduleUrl = withDoc(
    f.createVariableStatement(declareModifiers, f.createVariableDeclarationList([f.createVariableDeclaration('moduleUrl', undefined, f.createTypeReferenceNode('URL'))], ts.NodeFlags.Const)),
    `Where the loader reads ${source} from.`,
  );

  const file = ts.createSourceFile('module.d.ts', '', ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const statements = f.createNodeArray<Statement>([exportsInterface, importsInterface, moduleUrl, instantiate]);
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const body = printer.printList(ts.ListFormat.MultiLine, statements, file);
  const header = [
    `// Generated by \`wsbc types\` from ${source} (sha256 ${commentText(options.sha256)}).`,
    '// Do not edit: regenerate when the module changes.',
    '',
  ].join('\n');
  return `${header}${body}`;
}
