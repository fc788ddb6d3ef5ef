#!/usr/bin/env node
// Entry point installed as `kubelet` on the PATH (npx kubelet); the program is compiled to dist/.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('kubelet: not built yet; run `npm run build` (or scripts/up.sh) first');
  process.exit(1);
}
await import(main.href);
