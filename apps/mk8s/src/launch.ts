/**
 * Starting components as detached processes: output to `logs/<name>.log`,
 * pid to `run/<name>.pid`, ready when their ready URL answers 200. A
 * component that exits during start-up is reported with the tail of its log.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StatePaths } from './state.js';
import { recordProcess } from './processes.js';

export class LaunchError extends Error {}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** One process to start: its name (log and pid files), its app under apps/ (or an executable on PATH), its flags, and when it is ready. */
export interface Launch {
  name: string;
  app?: string;
  command?: string;
  args: string[];
  /** Resolves true once ready; absent: ready once started. Errors count as not ready yet. */
  ready?: () => Promise<boolean>;
  /** Runs once it is ready, before the next launch (e.g. loading images into a runtime). */
  afterReady?: () => Promise<void>;
}

export async function startComponent(repoRoot: string, paths: StatePaths, spec: Launch, timeoutMs = 30_000): Promise<number> {
  // Logs and sockets are the cluster owner's alone (components log object names; the CRI socket runs containers).
  for (const dir of [paths.home, paths.logs, paths.run]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  const logFile = path.join(paths.logs, `${spec.name}.log`);
  const log = await open(logFile, 'a', 0o600);
  const [exe, argv] = spec.command
    ? [spec.command, spec.args]
    : [process.execPath, [path.join(repoRoot, 'apps', spec.app ?? spec.name, 'bin', `${spec.app ?? spec.name}.mjs`), ...spec.args]];
  const child = spawn(exe, argv, {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    cwd: repoRoot,
  });
  await log.close();
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  child.once('error', (err) => (exited = `could not start (${err.message})`));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(10); // let the 'error' event name the cause
    throw new LaunchError(`${spec.name} ${exited ?? 'could not start'}`);
  }
  await recordProcess(paths.run, spec.name, pid);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new LaunchError(`${spec.name} ${exited} during start-up; last lines of ${logFile}:\n${await tail(logFile)}`);
    if (!spec.ready) return pid;
    try {
      if (await spec.ready()) return pid;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new LaunchError(`${spec.name} was not ready within ${timeoutMs / 1000}s; last lines of ${logFile}:\n${await tail(logFile)}`);
    }
    await sleep(100);
  }
}

/**
 * A kubeconfig for the cluster. Without credentials (plain HTTP):
 * `insecure-skip-tls-verify` lets @kubernetes/client-node use http://. With
 * them (`mk8s up --secure`): the CA that signed the API server's certificate
 * and the user's client certificate, inline.
 */
export function kubeconfig(apiUrl: string, cred?: { ca: string; cert: string; key: string; user: string }): string {
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  const userName = cred ? cred.user.replace(/[^A-Za-z0-9_.:-]/g, '-') : 'mk8s-admin';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: mk8s',
    '  cluster:',
    `    server: ${apiUrl}`,
    ...(cred ? [`    certificate-authority-data: ${b64(cred.ca)}`] : ['    insecure-skip-tls-verify: true']),
    'users:',
    `- name: ${userName}`,
    ...(cred ? ['  user:', `    client-certificate-data: ${b64(cred.cert)}`, `    client-key-data: ${b64(cred.key)}`] : ['  user: {}']),
    'contexts:',
    '- name: mk8s',
    '  context:',
    '    cluster: mk8s',
    `    user: ${userName}`,
    '    namespace: default',
    'current-context: mk8s',
    '',
  ].join('\n');
}
