/**
 * One probe attempt: exec through the CRI, HTTP GET, or a TCP connect
 * (Kubernetes' pkg/kubelet/prober/prober.go and pkg/probe/{exec,http,tcp}).
 *
 * Contract: the runners never throw. 'success' and 'failure' are verdicts
 * about the container; 'unknown' means the kubelet could not ask the
 * question (no handler, unresolvable port, runtime error) and the worker
 * discards it instead of counting it against a threshold.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { errorMessage, type Container, type Probe } from '@mk8s/api';
import type { Clock } from '@mk8s/client';
import { DeadlineExceededError, type CriRuntime } from '@mk8s/cri';

export type ProbeAttemptResult = 'success' | 'failure' | 'unknown';

export interface ProbeAttempt {
  result: ProbeAttemptResult;
  /** Human-readable output: the command's output, the response body or the error, at most MAX_OUTPUT bytes. */
  output: string;
}

export interface ProbeTarget {
  runtime: CriRuntime;
  /** Deadlines of HTTP and TCP probes run on this clock. */
  clock: Clock;
  containerId: string;
  /** The container's spec, for named ports. */
  container: Container;
  /** Default host of httpGet and tcpSocket probes. */
  podIP?: string;
}

/** Like Kubernetes, keep at most 10 KiB of probe output. */
export const MAX_OUTPUT = 10 * 1024;

/** Kubernetes' defaults for unset (or non-positive) probe timing fields. */
export const PROBE_DEFAULTS = {
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

export function timeoutSecondsOf(probe: Probe): number {
  const t = probe.timeoutSeconds;
  return t !== undefined && t > 0 ? t : PROBE_DEFAULTS.timeoutSeconds;
}

/** Runs the probe's single handler once against the container. */
export async function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeAttempt> {
  const timeoutSeconds = timeoutSecondsOf(probe);
  try {
    if (probe.exec) {
      return await execProbe(target.runtime, target.containerId, probe.exec.command ?? [], timeoutSeconds);
    }
    if (probe.httpGet) {
      const g = probe.httpGet;
      const scheme = (g.scheme ?? 'HTTP').toUpperCase();
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') return unknown(`unsupported scheme ${g.scheme}`);
      const host = g.host || target.podIP;
      if (!host) return unknown('no host to probe: the pod has no IP yet');
      return await httpGetProbe({
        scheme: scheme === 'HTTPS' ? 'https' : 'http',
        host,
        port: resolveProbePort(g.port, target.container),
        path: g.path ?? '/',
        headers: g.httpHeaders ?? [],
        timeoutMs: timeoutSeconds * 1000,
        clock: target.clock,
      });
    }
    if (probe.tcpSocket) {
      const host = probe.tcpSocket.host || target.podIP;
      if (!host) return unknown('no host to probe: the pod has no IP yet');
      return await tcpSocketProbe({
        host,
        port: resolveProbePort(probe.tcpSocket.port, target.container),
        timeoutMs: timeoutSeconds * 1000,
        clock: target.clock,
      });
    }
    if (probe.grpc) return unknown('grpc probes are not supported');
    return unknown('missing probe handler');
  } catch (err) {
    return unknown(errorMessage(err));
  }
}

/**
 * An int port as is; a string names one of the container's ports, or failing
 * that is a number written as a string (as Kubernetes accepts). Throws when
 * neither resolves to 1..65535.
 */
export function resolveProbePort(port: number | string, container: Container): number {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^\d+$/.test(port)) n = Number(port);
    else throw new Error(`port "${port}" not found in container ${container.name}`);
  }
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port number ${n}`);
  return n;
}

/** Exit code 0 is success; a runtime deadline is a failure; other runtime errors are unknown. */
export async function execProbe(runtime: CriRuntime, containerId: string, cmd: string[], timeoutSeconds: number): Promise<ProbeAttempt> {
  if (cmd.length === 0) return unknown('exec probe without a command');
  try {
    const res = await runtime.execSync({ containerId, cmd, timeout: timeoutSeconds });
    const output = truncate(res.stdout.toString() + res.stderr.toString());
    if (res.exitCode === 0) return { result: 'success', output };
    return { result: 'failure', output: output || `command ${JSON.stringify(cmd)} exited with ${res.exitCode}` };
  } catch (err) {
    if (err instanceof DeadlineExceededError) {
      return { result: 'failure', output: `command ${JSON.stringify(cmd)} timed out after ${timeoutSeconds}s` };
    }
    return unknown(`exec failed: ${errorMessage(err)}`);
  }
}

export interface HttpGetRequest {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  headers: Array<{ name: string; value: string }>;
  timeoutMs: number;
  clock: Clock;
}

/**
 * GET once, without following redirects: 200-399 is success (a redirect
 * counts as success, as it does in Kubernetes when the target is elsewhere).
 * Connection errors and the deadline (covering the whole exchange) are
 * failures. HTTPS does not verify the certificate, like Kubernetes.
 */
export function httpGetProbe(req: HttpGetRequest): Promise<ProbeAttempt> {
  const path = req.path.startsWith('/') ? req.path : `/${req.path}`;
  const hostInUrl = net.isIPv6(req.host) ? `[${req.host}]` : req.host;
  const url = `${req.scheme}://${hostInUrl}:${req.port}${path}`;
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/mk8s', accept: '*/*' };
  for (const h of req.headers) headers[h.name.toLowerCase()] = h.value;

  return new Promise<ProbeAttempt>((resolve) => {
    let done = false;
    const finish = (a: ProbeAttempt): void => {
      if (done) return;
      done = true;
      deadline.cancel();
      request.destroy();
      resolve(a);
    };
    const options: https.RequestOptions = { host: req.host, port: req.port, path, method: 'GET', headers, agent: false };
    const request = req.scheme === 'https' ? https.request({ ...options, rejectUnauthorized: false }) : http.request(options);
    const deadline = req.clock.after(req.timeoutMs, () => finish({ result: 'failure', output: `GET ${url}: timed out after ${req.timeoutMs}ms` }));
    request.on('error', (err) => finish({ result: 'failure', output: `GET ${url}: ${err.message}` }));
    request.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      // A failure says the status code only, as Kubernetes' does: the body would reach the pod's Events, and
      // a probe's `host` may name a service on the node that the pod author could otherwise never read.
      const verdict = (): void => {
        if (status >= 200 && status < 400) finish({ result: 'success', output: truncate(Buffer.concat(chunks).toString()) });
        else finish({ result: 'failure', output: `HTTP probe failed with statuscode: ${status}` });
      };
      res.on('data', (c: Buffer) => {
        if (size >= MAX_OUTPUT) return;
        chunks.push(c);
        size += c.length;
        // Enough to judge; do not wait for an endless body.
        if (size >= MAX_OUTPUT) verdict();
      });
      res.on('end', verdict);
      res.on('error', (err) => finish({ result: 'failure', output: `GET ${url}: ${err.message}` }));
    });
    request.end();
  });
}

export interface TcpSocketRequest {
  host: string;
  port: number;
  timeoutMs: number;
  clock: Clock;
}

/** Success when a TCP connection opens before the deadline; the connection is closed at once. */
export function tcpSocketProbe(req: TcpSocketRequest): Promise<ProbeAttempt> {
  const addr = `${req.host}:${req.port}`;
  return new Promise<ProbeAttempt>((resolve) => {
    let done = false;
    const finish = (a: ProbeAttempt): void => {
      if (done) return;
      done = true;
      deadline.cancel();
      socket.destroy();
      resolve(a);
    };
    const socket = net.connect({ host: req.host, port: req.port });
    const deadline = req.clock.after(req.timeoutMs, () => finish({ result: 'failure', output: `dial tcp ${addr}: timed out after ${req.timeoutMs}ms` }));
    socket.on('connect', () => finish({ result: 'success', output: '' }));
    socket.on('error', (err) => finish({ result: 'failure', output: `dial tcp ${addr}: ${err.message}` }));
  });
}

function unknown(output: string): ProbeAttempt {
  return { result: 'unknown', output };
}

function truncate(s: string): string {
  return s.length > MAX_OUTPUT ? s.slice(0, MAX_OUTPUT) : s;
}
