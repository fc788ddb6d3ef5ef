#!/usr/bin/env node
// Entry point installed as `mk8s-dockershim` on the PATH (npx mk8s-dockershim); the program is compiled to dist/.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('mk8s-dockershim: not built yet; run `npm run build` (or scripts/up.sh) first');
  process.exit(1);
}
await import(main.href);
