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

export type FlagValues<T extends Record<string, FlagSpec>> = {
  [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean : string | undefined;
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
    options[name] = { type: s.type, ...(s.default !== undefined ? { default: s.default } : {}) };
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

/** Durations like `10s`, `500ms`, `5m`, `1h`, or plain seconds. */
export function durationFlag(name: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new FlagError(`--${name} must be a duration such as 500ms, 10s, 5m or 1h, got "${value}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
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
