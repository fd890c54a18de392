// Types of generate-diagnostics-doc.mjs, for its tests.
import type { CodeInfo } from '@wsbc/diagnostics';

export declare const docPath: string;
export declare function collectCodes(): Promise<Array<CodeInfo & { code: string; docs: string }>>;
export declare function anchorFor(code: string): string;
export declare function renderDiagnosticsDoc(codes: ReadonlyArray<CodeInfo & { code: string }>): string;
