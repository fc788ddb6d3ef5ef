// The fuzz stage of CI: two ~30 s campaigns against a real kube-apiserver
// process, one with a fixed seed (the same requests every run, so a
// regression shows up deterministically) and one with a fresh seed (new
// ground each run; the seed is printed, and FUZZ_SEED=<seed> re-runs it).
// Each asserts zero findings and prints them, with the status histogram,
// when there are some.
import { afterAll, describe, expect, it } from 'vitest';
import { runCampaign, type CampaignResult } from './campaign.js';
import { findingsText, histogramTable, summaryText } from './report.js';
import { stopAllServers } from './server-process.js';

const FIXED_SEED = 20_240_601;
const BUDGET_MS = 30_000;
const TEST_TIMEOUT_MS = 180_000;

function report(r: CampaignResult): string {
  return `${summaryText(r)}\n\n${histogramTable(r.histogram)}\n\nfindings (reproduce with: npm run fuzz -- --seed ${r.seed} --replay <#>):\n${findingsText(r.findings)}`;
}

describe('kube-apiserver under fuzz', () => {
  // Campaigns stop their servers themselves; this covers a test abandoned by its timeout.
  afterAll(stopAllServers, 30_000);

  it(
    `holds every invariant for the fixed seed ${FIXED_SEED}`,
    async () => {
      const r = await runCampaign({ seed: FIXED_SEED, budgetMs: BUDGET_MS });
      console.log(report(r));
      expect(r.findings, report(r)).toHaveLength(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'holds every invariant for a random seed',
    async () => {
      const seed = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : Math.floor(Math.random() * 2 ** 31);
      console.log(`fuzz: random seed ${seed} (re-run: FUZZ_SEED=${seed} npx vitest run tools/fuzz)`);
      const r = await runCampaign({ seed, budgetMs: BUDGET_MS });
      console.log(report(r));
      expect(r.findings, report(r)).toHaveLength(0);
    },
    TEST_TIMEOUT_MS,
  );
});
