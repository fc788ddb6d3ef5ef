/**
 * The chaos suite (docs/reliability.md, "Chaos suite"):
 *
 *   scripts/chaos.sh --minutes 3 [--seed S] [--out DIR]   # bootstrap (deps, build, Docker, images), then this
 *   npm run chaos -- --minutes 3 [--seed S]                # this alone (needs a build and the local images)
 *
 * Prints the seed first, a line per kill and restart, the invariants, and
 * last the one summary line (`chaos: seed S, ...: PASS`). Exits 0 when every
 * invariant holds, 1 when one is violated (the report names the evidence),
 * 2 on a usage error, 130 when interrupted. The cluster is torn down in
 * every case.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomSeed } from './plan.js';
import { runChaos } from './run.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function usage(msg: string): never {
  console.error(
    `chaos: ${msg}\nusage: chaos [--minutes N (default 3)] [--seed S] [--out DIR (default .mk8s/chaos/<timestamp>)] [--grace-seconds G (default 45)] [--converge-seconds C (default 120)] [--strict]`,
  );
  process.exit(2);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '3' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'grace-seconds': { type: 'string', default: '45' },
      'converge-seconds': { type: 'string', default: '120' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) usage('a seeded kill -9 campaign against a real 2-node mk8s cluster');
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) usage(`--minutes must be a positive number, got "${values.minutes}"`);
  const seed = values.seed === undefined ? randomSeed() : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) usage(`--seed must be an integer from 0 to 4294967295, got "${values.seed}"`);
  const graceMs = Number(values['grace-seconds']) * 1000;
  const convergeMs = Number(values['converge-seconds']) * 1000;
  if (!(graceMs >= 0) || !(convergeMs > 0)) usage('--grace-seconds and --converge-seconds must be numbers');
  if (!existsSync(path.join(REPO_ROOT, 'apps/mk8s/dist/main.js'))) usage('the launcher is not built: run scripts/chaos.sh (or npm run build) first');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = path.resolve(values.out ?? path.join(REPO_ROOT, '.mk8s', 'chaos', stamp));

  const ctl = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: string): void => {
    interrupts++;
    if (interrupts === 1) console.error(`chaos: ${sig}: stopping and tearing the cluster down (mk8s down --purge)...`);
    else console.error('chaos: still tearing down; the cluster would be left running if this stopped now');
    ctl.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  console.log(`chaos: seed ${seed} (re-run with --seed ${seed})`);
  const result = await runChaos({ minutes, seed, out, repoRoot: REPO_ROOT, graceMs, convergeMs, nodes: 2, strict: values.strict === true }, ctl.signal);
  console.log(result.summary);
  if (ctl.signal.aborted) return 130;
  return result.pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
