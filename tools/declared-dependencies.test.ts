// Every package and app declares exactly the packages its production code
// imports: nothing missing (it would resolve only through the workspace's
// hoisted node_modules, and break when installed alone) and nothing unused
// (a dependency nobody imports still shapes the build graph and the install).
// Test code may import devDependencies; production code may not.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUILTINS = new Set(builtinModules);

/** Production sources: src/**\/*.ts without tests and test helpers, plus bin/*.mjs. */
function productionFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'testing' && name !== 'node_modules') walk(p);
      } else if ((name.endsWith('.ts') && !name.endsWith('.test.ts')) || name.endsWith('.mjs')) out.push(p);
    }
  };
  for (const sub of ['src', 'bin']) {
    try {
      walk(path.join(dir, sub));
    } catch {
      // no such folder
    }
  }
  return out;
}

/** The packages a file imports (static `import`/`export ... from`, and `import()` of a literal), by package name. */
function importedPackages(source: string): Set<string> {
  const found = new Set<string>();
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  for (const s of specifiers) {
    if (s.startsWith('.') || s.startsWith('node:') || s.startsWith('/')) continue;
    const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
    if (!BUILTINS.has(name)) found.add(name);
  }
  return found;
}

const projects = ['packages', 'apps'].flatMap((group) => readdirSync(path.join(root, group)).map((name) => path.join(root, group, name)));

describe('declared dependencies', () => {
  for (const dir of projects) {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
    // The test harness package exists for tests: its own sources are all test support.
    if (pkg.name === '@mk8s/testing') continue;
    it(`${pkg.name}: dependencies are exactly what its production code imports`, () => {
      const imported = new Set<string>();
      for (const f of productionFiles(dir)) for (const p of importedPackages(readFileSync(f, 'utf8'))) imported.add(p);
      imported.delete(pkg.name);
      const declared = new Set(Object.keys(pkg.dependencies ?? {}));
      expect({ missing: [...imported].filter((p) => !declared.has(p)).sort(), unused: [...declared].filter((p) => !imported.has(p)).sort() }).toEqual({
        missing: [],
        unused: [],
      });
    });
  }
});
