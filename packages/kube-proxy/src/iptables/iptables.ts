/**
 * The seam between rule generation and the kernel: `Iptables` is what the
 * iptables proxier needs of iptables (Kubernetes' util/iptables Interface,
 * cut down). `ExecIptables` runs the real binaries; `FakeIptables` keeps an
 * in-memory model of the tables (enough of iptables-restore's `--noflush`
 * semantics for golden tests) and records every restore input.
 */
import { execFile, spawn } from 'node:child_process';

export type Table = 'nat' | 'filter';

export interface Iptables {
  /** Creates `chain` in `table` if it does not exist (idempotent). */
  ensureChain(table: Table, chain: string): Promise<void>;
  /** Inserts the rule at the top of `chain` unless `iptables -C` finds it; true when inserted. */
  ensureRule(table: Table, chain: string, args: readonly string[]): Promise<boolean>;
  /** Deletes the rule if present (idempotent). */
  deleteRule(table: Table, chain: string, args: readonly string[]): Promise<void>;
  /** `iptables-save -t table`. */
  save(table: Table): Promise<string>;
  /** `iptables-restore --noflush`: applies `input` atomically per table; chains it declares are flushed first. */
  restore(input: string): Promise<void>;
}

function run(cmd: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    if (input === undefined) {
      execFile(cmd, [...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        if (err && code === -1) return reject(err);
        resolve({ code, stdout, stderr });
      });
      return;
    }
    const child = spawn(cmd, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

export class IptablesError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command} failed: ${stderr.trim()}`);
    this.name = 'IptablesError';
  }
}

/** Runs `iptables`, `iptables-save` and `iptables-restore` (waiting for the xtables lock). */
export class ExecIptables implements Iptables {
  constructor(private readonly binary = 'iptables') {}

  async ensureChain(table: Table, chain: string): Promise<void> {
    const r = await run(this.binary, ['-w', '-t', table, '-N', chain]);
    if (r.code !== 0 && !/exists/i.test(r.stderr)) throw new IptablesError(`${this.binary} -t ${table} -N ${chain}`, r.stderr);
  }

  async ensureRule(table: Table, chain: string, args: readonly string[]): Promise<boolean> {
    const check = await run(this.binary, ['-w', '-t', table, '-C', chain, ...args]);
    if (check.code === 0) return false;
    const r = await run(this.binary, ['-w', '-t', table, '-I', chain, '1', ...args]);
    if (r.code !== 0) throw new IptablesError(`${this.binary} -t ${table} -I ${chain} ${args.join(' ')}`, r.stderr);
    return true;
  }

  async deleteRule(table: Table, chain: string, args: readonly string[]): Promise<void> {
    for (;;) {
      const check = await run(this.binary, ['-w', '-t', table, '-C', chain, ...args]);
      if (check.code !== 0) return;
      const r = await run(this.binary, ['-w', '-t', table, '-D', chain, ...args]);
      if (r.code !== 0) throw new IptablesError(`${this.binary} -t ${table} -D ${chain} ${args.join(' ')}`, r.stderr);
    }
  }

  async save(table: Table): Promise<string> {
    const r = await run(`${this.binary}-save`, ['-t', table]);
    if (r.code !== 0) throw new IptablesError(`${this.binary}-save -t ${table}`, r.stderr);
    return r.stdout;
  }

  async restore(input: string): Promise<void> {
    const r = await run(`${this.binary}-restore`, ['-w', '--noflush'], input);
    if (r.code !== 0) throw new IptablesError(`${this.binary}-restore --noflush`, `${r.stderr}\n--- input ---\n${input}`);
  }
}

const BUILTIN: Record<Table, string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** Splits a rule line into arguments, honouring double quotes (as iptables-restore does). */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1] : m[2]!);
  return out;
}

function joinArgs(args: readonly string[]): string {
  return args.map((a) => (/\s/.test(a) || a === '' ? `"${a}"` : a)).join(' ');
}

/** An in-memory iptables for tests: tables of chains of rule strings. */
export class FakeIptables implements Iptables {
  readonly tables: Record<Table, Map<string, string[]>> = {
    nat: new Map(BUILTIN.nat.map((c) => [c, []])),
    filter: new Map(BUILTIN.filter.map((c) => [c, []])),
  };
  /** Every `restore` input, in order. */
  readonly restores: string[] = [];

  async ensureChain(table: Table, chain: string): Promise<void> {
    if (!this.tables[table].has(chain)) this.tables[table].set(chain, []);
  }

  private chain(table: Table, chain: string): string[] {
    const rules = this.tables[table].get(chain);
    if (!rules) throw new IptablesError(`iptables -t ${table}`, `chain ${chain} does not exist`);
    return rules;
  }

  async ensureRule(table: Table, chain: string, args: readonly string[]): Promise<boolean> {
    const rules = this.chain(table, chain);
    const rule = joinArgs(args);
    if (rules.includes(rule)) return false;
    const target = args[args.indexOf('-j') + 1];
    if (target && !this.tables[table].has(target) && !['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'MASQUERADE', 'DNAT', 'MARK'].includes(target)) {
      throw new IptablesError('iptables -I', `target ${target} does not exist`);
    }
    rules.unshift(rule);
    return true;
  }

  async deleteRule(table: Table, chain: string, args: readonly string[]): Promise<void> {
    const rules = this.tables[table].get(chain);
    if (!rules) return;
    const rule = joinArgs(args);
    for (let i = rules.indexOf(rule); i >= 0; i = rules.indexOf(rule)) rules.splice(i, 1);
  }

  async save(table: Table): Promise<string> {
    const lines = [`*${table}`];
    for (const name of this.tables[table].keys()) lines.push(`:${name} ${BUILTIN[table].includes(name) ? 'ACCEPT' : '-'} [0:0]`);
    for (const [name, rules] of this.tables[table]) for (const r of rules) lines.push(`-A ${name} ${r}`);
    lines.push('COMMIT');
    return `${lines.join('\n')}\n`;
  }

  /** Applies `--noflush` input: all tables parse before any changes (atomic, as the real one per table). */
  async restore(input: string): Promise<void> {
    this.restores.push(input);
    const next: Record<Table, Map<string, string[]>> = {
      nat: new Map([...this.tables.nat].map(([k, v]) => [k, [...v]])),
      filter: new Map([...this.tables.filter].map(([k, v]) => [k, [...v]])),
    };
    let table: Table | undefined;
    for (const raw of input.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        table = line.slice(1) as Table;
        if (!next[table]) throw new IptablesError('iptables-restore', `unknown table ${table}`);
        continue;
      }
      if (!table) throw new IptablesError('iptables-restore', `line outside a table: ${line}`);
      if (line === 'COMMIT') {
        table = undefined;
        continue;
      }
      const t = next[table];
      if (line.startsWith(':')) {
        const name = line.slice(1).split(' ')[0]!;
        t.set(name, []);
        continue;
      }
      const args = splitArgs(line);
      const [op, name] = args;
      if (op === '-X') {
        if (!name || !t.has(name)) throw new IptablesError('iptables-restore', `cannot delete missing chain ${name}`);
        for (const [other, rules] of t) {
          if (rules.some((r) => splitArgs(r).includes(name) && splitArgs(r)[splitArgs(r).indexOf('-j') + 1] === name)) {
            throw new IptablesError('iptables-restore', `chain ${name} is still referenced from ${other}`);
          }
        }
        t.delete(name);
        continue;
      }
      if (op !== '-A' || !name) throw new IptablesError('iptables-restore', `unsupported line: ${line}`);
      const rules = t.get(name);
      if (!rules) throw new IptablesError('iptables-restore', `chain ${name} does not exist`);
      rules.push(joinArgs(args.slice(2)));
    }
    if (table) throw new IptablesError('iptables-restore', 'missing COMMIT');
    this.tables.nat = next.nat;
    this.tables.filter = next.filter;
  }

  /** Chains of `table` whose names start with `prefix`. */
  chains(table: Table, prefix = 'MK8S-'): string[] {
    return [...this.tables[table].keys()].filter((c) => c.startsWith(prefix)).sort();
  }
}
