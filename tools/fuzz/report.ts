/**
 * Human-readable results: the status histogram per request class as a
 * Markdown table (for docs), and the distinct findings, one reproduction
 * line each.
 */
import type { CampaignResult, DistinctFinding } from './campaign.js';
import { formatFinding } from './invariants.js';

/** Columns: status classes in a fixed order, then hang/closed/truncated if any occurred. */
export function histogramTable(histogram: CampaignResult['histogram']): string {
  const keys = new Set<string>();
  for (const m of histogram.values()) for (const k of m.keys()) keys.add(k);
  const numeric = [...keys].filter((k) => /^\d+$/.test(k)).sort();
  const other = [...keys].filter((k) => !/^\d+$/.test(k)).sort();
  const cols = [...numeric, ...other];
  const lines = [`| class | total | ${cols.join(' | ')} |`, `|---|---:|${cols.map(() => '---:').join('|')}|`];
  const totals = new Map<string, number>();
  for (const klass of [...histogram.keys()].sort()) {
    const m = histogram.get(klass)!;
    let total = 0;
    for (const [k, v] of m) {
      total += v;
      totals.set(k, (totals.get(k) ?? 0) + v);
    }
    lines.push(`| ${klass} | ${total} | ${cols.map((c) => m.get(c) ?? '').join(' | ')} |`);
  }
  const grand = [...totals.values()].reduce((a, b) => a + b, 0);
  lines.push(`| **all** | **${grand}** | ${cols.map((c) => totals.get(c) ?? '').join(' | ')} |`);
  return lines.join('\n');
}

export function findingsText(findings: DistinctFinding[]): string {
  if (findings.length === 0) return 'no findings';
  return findings.map((d, i) => `${i + 1}. (x${d.count}) ${formatFinding(d.first)}`).join('\n');
}

export function summaryText(r: CampaignResult): string {
  return [
    `seed ${r.seed}: ${r.requests} requests in ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.epochs} server process(es), ${r.findings.length} distinct finding(s)`,
    ...r.summaries,
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n');
}
