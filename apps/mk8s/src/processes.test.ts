import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, listRunning, recordProcess, startTime, stopAll } from './processes.js';
import { statePaths } from './state.js';

describe('launcher process bookkeeping', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  async function home() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-launcher-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const paths = statePaths({ MK8S_HOME: dir });
    await mkdir(paths.run, { recursive: true });
    return paths;
  }

  it('lists live processes and drops stale pid files', async () => {
    const paths = await home();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    cleanup.push(async () => void child.kill('SIGKILL'));
    await writeFile(path.join(paths.run, 'live.pid'), String(child.pid));
    await writeFile(path.join(paths.run, 'stale.pid'), '999999999');
    expect(await listRunning(paths)).toEqual([{ name: 'live', pid: child.pid }]);
    expect(await readdir(paths.run)).toEqual(['live.pid']);
  });

  it('never trusts a pid that now belongs to another process (a reboot reused it): the start time differs', async () => {
    const paths = await home();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    cleanup.push(async () => void child.kill('SIGKILL'));
    const pid = child.pid!;
    await recordProcess(paths.run, 'ours', pid);
    expect(await readFile(path.join(paths.run, 'ours.pid'), 'utf8')).toBe(`${pid}\n`);
    expect(await readFile(path.join(paths.run, 'ours.start'), 'utf8')).toBe(`${startTime(pid)}\n`);
    // The same pid recorded with another start time: what a record from before a reboot looks like.
    const reused = async () => {
      await writeFile(path.join(paths.run, 'reused.pid'), `${pid}\n`);
      await writeFile(path.join(paths.run, 'reused.start'), `${Number(startTime(pid)) - 1}\n`);
    };
    await reused();
    expect(await listRunning(paths)).toEqual([{ name: 'ours', pid }]);
    expect((await readdir(paths.run)).sort()).toEqual(['ours.pid', 'ours.start']);
    // stopAll leaves the unrelated process alone.
    await reused();
    expect(await stopAll(paths, { only: (n) => n === 'reused' })).toEqual([]);
    expect(alive(pid)).toBe(true);
  });

  it('stops with SIGTERM, escalates to SIGKILL after the grace period, and purges', async () => {
    const paths = await home();
    // Each child says when it is ready (the stubborn one after installing its SIGTERM handler): a fixed
    // sleep instead is too short for a busy machine, and SIGTERM would then kill the stubborn one outright.
    const polite = spawn(process.execPath, ['-e', 'console.log("ready"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const stubborn = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    cleanup.push(
      async () => void polite.kill('SIGKILL'),
      async () => void stubborn.kill('SIGKILL'),
    );
    const exited = (child: typeof polite) => new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    const ready = (child: typeof polite) => new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const signals = { polite: exited(polite), stubborn: exited(stubborn) };
    await Promise.all([ready(polite), ready(stubborn)]);
    await writeFile(path.join(paths.run, 'polite.pid'), String(polite.pid));
    await writeFile(path.join(paths.run, 'stubborn.pid'), String(stubborn.pid));

    expect((await stopAll(paths, { graceMs: 500, purge: true })).sort()).toEqual(['polite', 'stubborn']);
    expect({ polite: await signals.polite, stubborn: await signals.stubborn }).toEqual({ polite: 'SIGTERM', stubborn: 'SIGKILL' });
    await expect(readdir(paths.home)).rejects.toThrow(/ENOENT/);
  });

  it('a zombie (killed, never reaped by its new parent) counts as gone', async () => {
    // The shell prints its background child's pid, then becomes `sleep 5`, which never reaps that child.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    cleanup.push(async () => void parent.kill('SIGKILL'));
    const zombie = Number((await new Promise<Buffer>((r) => parent.stdout!.once('data', r))).toString().trim());
    expect(alive(zombie)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(() => process.kill(zombie, 0)).not.toThrow(); // signal 0 still reaches it...
    expect(alive(zombie)).toBe(false); // ...but it is dead
    expect(alive(parent.pid!)).toBe(true);
  });
});
