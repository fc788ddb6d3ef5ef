import type { ContainerConfig, PodSandboxConfig } from '@mk8s/cri';
import { normalizeImageRef } from './images.js';

/**
 * A scripted container: what its process does instead of interpreting argv.
 * If any of stdout, stderr, exitCode or runForMs is set, the script replaces
 * the command; otherwise the command is still interpreted (shell.ts) and only
 * the other fields apply.
 */
export interface ContainerBehavior {
  /** Lines printed to stdout at start, each a log record in the container's log file. */
  stdout?: string[];
  /** Lines printed to stderr at start. */
  stderr?: string[];
  /** Exit with this code `runForMs` after start. Absent: run until stopped. */
  exitCode?: number;
  runForMs?: number;
  /** Reason reported when it exits on its own (default 'Completed' for 0, else 'Error'; e.g. 'OOMKilled'). */
  reason?: string;
  /**
   * StartContainer fails with this message; the container is left EXITED
   * with exit code 128 and reason 'StartError', as real runtimes report it.
   */
  failStart?: string;
  /** The process ignores SIGTERM: StopContainer waits the whole grace period, then kills (137). */
  ignoreSigterm?: boolean;
  /** CPU use while running, in nanocores (1e9 = one core). */
  cpuNanoCores?: number;
  /** Memory working set while running, in bytes. */
  memoryWorkingSetBytes?: number;
}

/** Which containers a script applies to; every field given must match. */
export interface ContainerMatch {
  image?: string;
  /** The full argv (command followed by args). */
  argv?: string[];
  containerName?: string;
  podName?: string;
  podNamespace?: string;
}

/** A scripted ExecSync answer. */
export interface ExecResult {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Reject the call with this error instead (e.g. a DeadlineExceededError). */
  error?: Error;
  /** Answer after this long (through the runtime's Timer). */
  delayMs?: number;
}

export interface ExecMatch {
  containerId?: string;
  containerName?: string;
  /** The exec argv, exactly. */
  argv?: string[];
}

export function argvOf(config: ContainerConfig): string[] {
  return [...(config.command ?? []), ...(config.args ?? [])];
}

export function matchesContainer(m: ContainerMatch, config: ContainerConfig, sandbox: PodSandboxConfig): boolean {
  if (m.image !== undefined && normalizeImageRef(m.image) !== normalizeImageRef(config.image.image)) return false;
  if (m.argv !== undefined && !sameList(m.argv, argvOf(config))) return false;
  if (m.containerName !== undefined && m.containerName !== config.metadata.name) return false;
  if (m.podName !== undefined && m.podName !== sandbox.metadata.name) return false;
  if (m.podNamespace !== undefined && m.podNamespace !== sandbox.metadata.namespace) return false;
  return true;
}

export function matchesExec(m: ExecMatch, containerId: string, containerName: string, argv: readonly string[]): boolean {
  if (m.containerId !== undefined && m.containerId !== containerId) return false;
  if (m.containerName !== undefined && m.containerName !== containerName) return false;
  if (m.argv !== undefined && !sameList(m.argv, argv)) return false;
  return true;
}

export function scriptsProcess(b: ContainerBehavior | undefined): boolean {
  return !!b && (b.stdout !== undefined || b.stderr !== undefined || b.exitCode !== undefined || b.runForMs !== undefined);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
