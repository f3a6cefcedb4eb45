import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

// What an entry file needs at run time: the project files it reaches through relative imports, and
// the packages it imports by name. The compose test uses it to check that the image holds both.

const importPattern = /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Files (relative to `root`) and package names reachable from `entries`; type-only imports count too. */
export function reachableImports(root: string, entries: readonly string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = entries.map((entry) => resolve(root, entry));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const name = relative(root, file);
    if (files.has(name)) continue;
    files.add(name);
    if (!file.endsWith('.ts')) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const specifier = match[1] ?? match[2] ?? '';
      if (specifier.startsWith('.')) pending.push(resolveSource(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) packages.add(packageName(specifier));
    }
  }
  return { files, packages };
}

/** `./x.js` in NodeNext TypeScript means `./x.ts` on disk. */
function resolveSource(from: string, specifier: string): string {
  const target = resolve(from, specifier);
  const asTs = target.replace(/\.js$/, '.ts');
  return existsSync(asTs) ? asTs : target;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
