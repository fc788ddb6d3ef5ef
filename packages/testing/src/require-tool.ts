/**
 * A suite that needs a tool the machine lacks fails, naming the tool and how
 * to get it; it never skips silently (a skipped suite reads as a green one).
 * `scripts/test.sh` installs every tool listed here before the stage that
 * needs it, so on a machine it prepared these checks always pass.
 */
import { execFileSync } from 'node:child_process';

/** How to get each tool the suites use; the hint ends the error message. */
export const TOOL_HINTS: Readonly<Record<string, string>> = {
  kubectl: 'scripts/test.sh installs kubectl v1.32 when none is on the PATH (or set KUBECTL to one, v1.31 to v1.33)',
  etcd: 'Debian: apt-get install etcd-server (scripts/test.sh does it before the e2e stage)',
  containerd: 'Debian: apt-get install containerd (docker.io brings it; scripts/test.sh does it before the e2e stage)',
  ctr: 'Debian: apt-get install containerd',
  etcdctl: 'Debian: apt-get install etcd-client (scripts/test.sh does it before the e2e stage)',
  docker: 'Debian: apt-get install docker.io (scripts/test.sh does it before the e2e stage)',
  iptables: 'Debian: apt-get install iptables',
  ip: 'Debian: apt-get install iproute2',
  curl: 'Debian: apt-get install curl',
  openssl: 'Debian: apt-get install openssl',
};

export class MissingToolError extends Error {}

/** True when `command --version` (or `args`) runs. */
export function toolWorks(command: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws a MissingToolError naming `name` (and how to get it) unless
 * `command args` runs. Call it at a suite's top level or in its beforeAll,
 * so the whole suite fails with that one message.
 */
export function requireTool(name: string, command = name, args: string[] = ['--version']): void {
  if (toolWorks(command, args)) return;
  const hint = TOOL_HINTS[name];
  throw new MissingToolError(`this suite needs ${name} (${command} ${args.join(' ')} did not run)${hint ? `: ${hint}` : ''}`);
}

/** Throws unless the test process runs as root (for suites that chown, mount or change the host's network). */
export function requireRoot(why: string): void {
  if (process.getuid?.() === 0) return;
  throw new MissingToolError(`this suite needs root: ${why} (scripts/test.sh runs as root on the CI machines)`);
}
