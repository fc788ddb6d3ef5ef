/**
 * Pid-file bookkeeping for the processes `mk8s up` starts. A pid file is
 * trusted only while its process is alive, so a crash or reboot never leaves
 * `mk8s` believing something runs. Beside `run/<name>.pid` (the pid alone,
 * so `kill $(cat run/<name>.pid)` works), `run/<name>.start` holds the
 * process' start time (clock ticks since boot, /proc/<pid>/stat field 22):
 * after a reboot the pid may belong to an unrelated process, which has
 * another start time, so `mk8s down` never signals it.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
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

/** The start time of `pid` (clock ticks since boot), or undefined without /proc. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Records a started process: `run/<name>.pid` and `run/<name>.start`. */
export async function recordProcess(run: string, name: string, pid: number): Promise<void> {
  const started = startTime(pid);
  if (started !== undefined) await writeFile(path.join(run, `${name}.start`), `${started}\n`);
  await writeFile(path.join(run, `${name}.pid`), `${pid}\n`);
}

/** Removes a process' record. */
async function forget(run: string, name: string): Promise<void> {
  await rm(path.join(run, `${name}.pid`), { force: true });
  await rm(path.join(run, `${name}.start`), { force: true });
}

/** The recorded pid when it is alive and still the process recorded (same start time, when one was recorded). */
async function recordedAlive(run: string, name: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(path.join(run, `${name}.pid`), 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  const started = (await readFile(path.join(run, `${name}.start`), 'utf8').catch(() => undefined))?.trim();
  if (started !== undefined) {
    const now = startTime(pid);
    if (now !== undefined && now !== started) return undefined;
  }
  return pid;
}

/** The processes recorded in `run/*.pid` that are still alive (and are the processes recorded); stale records are removed. */
export async function listRunning(paths: StatePaths): Promise<RunningProcess[]> {
  let files: string[];
  try {
    files = (await readdir(paths.run)).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  const out: RunningProcess[] = [];
  for (const f of files.sort()) {
    const name = f.slice(0, -4);
    const pid = await recordedAlive(paths.run, name);
    if (pid !== undefined) out.push({ name, pid });
    else await forget(paths.run, name);
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
  for (const p of running) await forget(paths.run, p.name);
  if (opts.purge) await rm(paths.home, { recursive: true, force: true });
  return running.map((p) => p.name);
}
