/**
 * Pid-file bookkeeping for the processes `mk8s up` starts. A pid file is
 * trusted only while its process is alive, so a crash or reboot never leaves
 * `mk8s` believing something runs.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StatePaths } from './state.js';

export interface RunningProcess {
  name: string;
  pid: number;
}

/**
 * Whether `pid` is a live process. A process killed after its parent (the
 * `mk8s up` that started it) exited is reparented; if that new parent never
 * reaps it, it lingers as a zombie, which signal 0 still reaches: on Linux,
 * /proc says so.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')' (comm may contain one).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust the signal
  }
}

/** The processes recorded in `run/*.pid` that are still alive; stale pid files are removed. */
export async function listRunning(paths: StatePaths): Promise<RunningProcess[]> {
  let files: string[];
  try {
    files = (await readdir(paths.run)).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  const out: RunningProcess[] = [];
  for (const f of files.sort()) {
    const file = path.join(paths.run, f);
    const pid = Number.parseInt(await readFile(file, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) out.push({ name: f.slice(0, -4), pid });
    else await rm(file, { force: true });
  }
  return out;
}

/**
 * Stops every recorded process (or those `only` selects): SIGTERM, then
 * SIGKILL after `graceMs`. Returns the names stopped. With `purge`, the whole
 * state folder goes too.
 */
export async function stopAll(paths: StatePaths, opts: { purge?: boolean; graceMs?: number; only?: (name: string) => boolean } = {}): Promise<string[]> {
  const running = (await listRunning(paths)).filter((p) => opts.only?.(p.name) ?? true);
  for (const p of running) process.kill(p.pid, 'SIGTERM');
  const deadline = Date.now() + (opts.graceMs ?? 10_000);
  while (running.some((p) => alive(p.pid)) && Date.now() < deadline) await sleep(100);
  for (const p of running) if (alive(p.pid)) process.kill(p.pid, 'SIGKILL');
  for (const p of running) await rm(path.join(paths.run, `${p.name}.pid`), { force: true });
  if (opts.purge) await rm(paths.home, { recursive: true, force: true });
  return running.map((p) => p.name);
}
