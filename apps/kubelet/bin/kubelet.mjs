#!/usr/bin/env node
// npm bin entry (the same in every app; the command is this file's name): runs the program compiled to ../dist/main.js.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(`${basename(import.meta.filename, '.mjs')}: not built yet; run \`npm run build\` (or scripts/up.sh) first`);
  process.exit(1);
}
await import(main.href);
