/**
 * Longer fuzz runs by hand:
 *
 *   npm run fuzz -- --minutes 10 [--seed 1234] [--server source|dist] [--rss-cap-mib 1024] [--server-root DIR]
 *   npm run fuzz -- --seed 1234 --replay 517     # re-send request #517 of seed 1234 to a fresh server
 *
 * Prints the seed first, each finding as it is found, then the totals, the
 * status histogram per request class as a Markdown table, and the distinct
 * findings. Exits 1 when there are findings.
 */
import { parseArgs } from 'node:util';
import { endEpoch, requestAt, runCampaign, sendFuzz, startEpoch } from './campaign.js';
import { reproLine } from './fuzz-request.js';
import { checkResponse, formatFinding } from './invariants.js';
import { findingsText, histogramTable, summaryText } from './report.js';
import type { ServerEntry } from './server-process.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string' },
    server: { type: 'string', default: 'source' },
    'rss-cap-mib': { type: 'string', default: '1024' },
    'max-requests': { type: 'string' },
    replay: { type: 'string' },
    'server-root': { type: 'string' },
  },
});

const entry = values.server as ServerEntry;
if (entry !== 'source' && entry !== 'dist') throw new Error('--server must be source or dist');
const serverRoot = values['server-root'];
const seed = values.seed !== undefined ? Number(values.seed) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');

async function replay(index: number): Promise<void> {
  const epoch = await startEpoch({ entry, serverRoot }, []);
  try {
    const req = requestAt({ resources: epoch.resources }, seed, index);
    console.log(`request #${index} of seed ${seed} (${req.klass}${req.note ? `, ${req.note}` : ''}):\n  ${reproLine(req, 2000)}`);
    const o = await sendFuzz(epoch.server.target, req);
    console.log(o.kind === 'response' ? `-> ${o.res.status} ${o.res.body.slice(0, 2000)}` : `-> ${o.kind}: ${o.detail}`);
    for (const f of checkResponse(req, o, index)) console.log(`finding: ${formatFinding(f)}`);
  } finally {
    await endEpoch(epoch, Number.MAX_SAFE_INTEGER, []);
  }
}

async function main(): Promise<void> {
  if (values.replay !== undefined) return replay(Number(values.replay));
  const result = await runCampaign({
    seed,
    budgetMs: Number(values.minutes) * 60_000,
    rssCapBytes: Number(values['rss-cap-mib']) * 1024 * 1024,
    entry,
    serverRoot,
    maxRequests: values['max-requests'] ? Number(values['max-requests']) : undefined,
  });
  console.log(`\n${summaryText(result)}\n\n${histogramTable(result.histogram)}\n\n${findingsText(result.findings)}`);
  process.exitCode = result.findings.length ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
