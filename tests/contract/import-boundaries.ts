import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

// The dependency direction of the design: services and clients depend on the contract and common/,
// never on each other; the contract depends on nothing of ours. Imports are read with TypeScript's
// own parser so `import type`, re-exports and dynamic imports are all seen.

/** Which top-level folders a folder may import from, and which packages it may load at run time. */
export interface BoundaryRule {
  folders: readonly string[];
  /** When set, the only packages the folder may import at run time (type-only imports are erased). */
  runtimePackages?: readonly string[];
}

/** One import that breaks a rule, as `file: specifier (why)`. */
export type Violation = string;

export interface ImportRef {
  specifier: string;
  typeOnly: boolean;
}

/** Every module specifier a TypeScript source names: imports, re-exports, dynamic imports. */
export function importsOf(text: string, fileName = 'file.ts'): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // Only `import type` is erased: `import { type A }` still loads the module under verbatimModuleSyntax.
      const typeOnly = node.importClause?.isTypeOnly ?? false;
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // a folder that does not exist yet (the client library) has nothing to check
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every import under `root` that breaks `rules` (keyed by top-level folder). */
export function boundaryViolations(root: string, rules: Readonly<Record<string, BoundaryRule>>): Violation[] {
  const violations: Violation[] = [];
  for (const [folder, rule] of Object.entries(rules)) {
    for (const file of sourceFiles(join(root, folder))) {
      const name = relative(root, file);
      for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'), file)) {
        if (specifier.startsWith('.')) {
          const target = relative(root, resolve(dirname(file), specifier));
          const top = target.split(sep)[0] ?? '';
          if (target.startsWith('..') || !rule.folders.includes(top)) {
            violations.push(`${name}: ${specifier} (${folder}/ may import only ${rule.folders.join(', ')})`);
          }
        } else if (!specifier.startsWith('node:') && rule.runtimePackages && !typeOnly) {
          if (!rule.runtimePackages.includes(packageOf(specifier))) {
            const allowed = rule.runtimePackages.length > 0 ? `only ${rule.runtimePackages.join(', ')}` : 'no package';
            violations.push(`${name}: ${specifier} (${folder}/ may load ${allowed} at run time)`);
          }
        }
      }
    }
  }
  return violations;
}

const shared = ['contract', 'common'] as const;

/** The project's rules: services and clients → contract + common (the library: contract only); contract → itself only. */
export const projectBoundaries: Readonly<Record<string, BoundaryRule>> = {
  contract: { folders: ['contract'], runtimePackages: ['zod'] },
  common: { folders: ['common'] },
  api: { folders: ['api', ...shared] },
  relay: { folders: ['relay', ...shared] },
  // The consumer CLI is built on the client library.
  consumer: { folders: ['consumer', 'client', ...shared] },
  // The library runs in browsers: the contract only (common/ holds Node code), no package at run time.
  client: { folders: ['client', 'contract'], runtimePackages: [] },
};
