/**
 * Command-line flags in Kubernetes' style (`--port 6443`, `--port=6443`,
 * `--leader-elect`), parsed with node:util's parseArgs, with `--help` text
 * built from the same table and a clear error for unknown flags.
 */
import { parseArgs } from 'node:util';
import { errorMessage } from '@mk8s/api';

export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  default?: string | boolean;
}

/** Parsed values: booleans are false when absent, and a string flag with a default always has a value. */
export type FlagValues<T extends Record<string, FlagSpec>> = {
  [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean : T[K] extends { default: string } ? string : string | undefined;
};

export class FlagError extends Error {}

export function helpText(command: string, summary: string, specs: Record<string, FlagSpec>): string {
  const lines = Object.entries(specs).map(([name, s]) => {
    const arg = s.type === 'string' ? ` ${name.toUpperCase().replace(/-/g, '_')}` : '';
    const def = s.default !== undefined && s.default !== false ? ` (default ${JSON.stringify(s.default)})` : '';
    return `  --${name}${arg}\n      ${s.description}${def}`;
  });
  return `${command}: ${summary}\n\nusage: ${command} [flags]\n\nflags:\n${lines.join('\n')}\n  --help\n      show this help\n`;
}

/** Parses argv; throws FlagError for unknown flags, missing values or stray arguments. */
export function parseFlags<T extends Record<string, FlagSpec>>(argv: string[], specs: T): FlagValues<T> & { help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = { help: { type: 'boolean' } };
  for (const [name, s] of Object.entries(specs)) {
    const def = s.default ?? (s.type === 'boolean' ? false : undefined);
    options[name] = def === undefined ? { type: s.type } : { type: s.type, default: def };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new FlagError(`unexpected argument "${positionals[0]}"`);
    return { ...(values as Record<string, unknown>), help: values['help'] === true } as FlagValues<T> & { help: boolean };
  } catch (err) {
    if (err instanceof FlagError) throw err;
    throw new FlagError(errorMessage(err));
  }
}

/** A flag value as a non-negative integer, or a FlagError naming the flag. */
export function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new FlagError(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

const DURATION_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Durations as Go's time.ParseDuration reads them, which is what Kubernetes'
 * flags take (`500ms`, `10s`, `1h30m`, `1h0m0s`, `1.5h`), or plain seconds.
 * In whole milliseconds.
 */
export function durationFlag(name: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) break;
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
    at = part.lastIndex;
  }
  if (at === 0 || at !== text.length) throw new FlagError(`--${name} must be a duration such as 500ms, 10s, 5m, 1h or 1h30m, got "${value}"`);
  return Math.round(total);
}

/** `k=v,k2=v2` (labels, selectors) as a record; a FlagError names the flag and the bad pair. */
export function keyValueFlag(name: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (value ?? '').split(',').filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new FlagError(`--${name}: "${kv}" is not k=v`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}
