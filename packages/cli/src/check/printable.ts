// File names come from the file system, which an attacker may control (a module directory from a
// third party): a name containing escape sequences could rewrite the user's terminal. Every name
// wsbc check prints itself (verdict lines, progress bar, summary table) goes through here.

/** The name with C0/C1 control characters (ESC, CR, BEL, ...) shown as `?`. */
export function printableName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
