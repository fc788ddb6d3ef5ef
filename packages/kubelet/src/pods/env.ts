import type { Container, EnvVar, Pod, Service } from '@mk8s/api';
import type { Clientset } from '@mk8s/client';
import { isNotFound } from '@mk8s/client';
import type { KeyValue } from '@mk8s/cri';

/** A container's config cannot be built (Kubernetes' CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** Values a fieldRef may read that are not in the pod object yet (the IP comes from the sandbox). */
export interface EnvContext {
  podIP: string;
  hostIP?: string;
  /** Lists a namespace's Services for `<SVC>_SERVICE_HOST`-style variables; without it there are none. */
  services?: ServiceLister;
}

/** Lists Services of a namespace from a cache (the kubelet's services informer). */
export type ServiceLister = (namespace: string) => readonly Service[];

/** `my-svc` -> `MY_SVC` (Kubernetes' makeEnvVariableName). */
export function serviceEnvName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/**
 * Kubernetes' service environment variables for the Services that exist when
 * a container starts: `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT`,
 * `<SVC>_SERVICE_PORT_<PORTNAME>` and the Docker-link style `<SVC>_PORT`,
 * `<SVC>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`. Only Services with a
 * ClusterIP count (not headless, not ExternalName); with `enableServiceLinks:
 * false` only the `kubernetes` Service of `default`.
 */
export function serviceEnvVars(services: readonly Service[], namespace: string, enableServiceLinks = true): Map<string, string> {
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None' || svc.spec?.type === 'ExternalName') continue;
    const name = svc.metadata?.name ?? '';
    const ns = svc.metadata?.namespace ?? 'default';
    if (ns === 'default' && name === 'kubernetes') chosen.set(name, svc);
    else if (enableServiceLinks && ns === namespace) chosen.set(name, svc);
  }
  const out = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) {
    const svc = chosen.get(name)!;
    const ip = svc.spec!.clusterIP!;
    const ports = svc.spec?.ports ?? [];
    const prefix = serviceEnvName(name);
    out.set(`${prefix}_SERVICE_HOST`, ip);
    if (ports[0]) out.set(`${prefix}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) if (p.name) out.set(`${prefix}_SERVICE_PORT_${serviceEnvName(p.name)}`, String(p.port));
    if (ports[0]) out.set(`${prefix}_PORT`, `${(ports[0].protocol ?? 'TCP').toLowerCase()}://${ip}:${ports[0].port}`);
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.set(base, `${proto.toLowerCase()}://${ip}:${p.port}`);
      out.set(`${base}_PROTO`, proto.toLowerCase());
      out.set(`${base}_PORT`, String(p.port));
      out.set(`${base}_ADDR`, ip);
    }
  }
  return out;
}

/**
 * The environment of a container as Kubernetes builds it: envFrom sources
 * first (ConfigMaps, Secrets, with prefix), then env in order, where later
 * entries may refer to earlier ones with $(NAME). fieldRef supports
 * metadata.name/namespace/uid, metadata.labels['k'], metadata.annotations['k'],
 * spec.nodeName, spec.serviceAccountName, status.podIP(s) and status.hostIP.
 * A missing ConfigMap/Secret/key that is not optional is a ContainerConfigError.
 */
export async function buildEnv(client: Clientset | undefined, pod: Pod, container: Container, ctx: EnvContext): Promise<KeyValue[]> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>();
  const lister = ctx.services;
  const services = lister ? [...lister(namespace), ...(namespace === 'default' ? [] : lister('default'))] : [];
  const serviceEnv = serviceEnvVars(services, namespace, pod.spec?.enableServiceLinks !== false);
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const data = await readConfigMap(client, namespace, from.configMapRef.name ?? '', from.configMapRef.optional ?? false);
      for (const [k, v] of Object.entries(data ?? {})) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const data = await readSecret(client, namespace, from.secretRef.name ?? '', from.secretRef.optional ?? false);
      for (const [k, v] of Object.entries(data ?? {})) env.set(prefix + k, v);
    }
  }
  // $(VAR) may name service variables too; a variable the container sets wins over one.
  const visible = new Map([...serviceEnv, ...env]);
  for (const e of container.env ?? []) {
    const value = await envValue(client, pod, e, ctx, visible);
    if (value !== undefined) {
      env.set(e.name, value);
      visible.set(e.name, value);
    }
  }
  for (const [k, v] of serviceEnv) if (!env.has(k)) env.set(k, v);
  return [...env].map(([key, value]) => ({ key, value }));
}

/** Kubernetes' $(VAR) expansion: $$ escapes, unknown references stay as written. */
export function expandVars(s: string, vars: ReadonlyMap<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? (vars.get(name) ?? '') : m;
  });
}

async function envValue(client: Clientset | undefined, pod: Pod, e: EnvVar, ctx: EnvContext, env: Map<string, string>): Promise<string | undefined> {
  if (e.value !== undefined) return expandVars(e.value, env);
  const from = e.valueFrom;
  if (!from) return '';
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, ctx);
  const namespace = pod.metadata?.namespace ?? 'default';
  if (from.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    const data = await readConfigMap(client, namespace, ref.name ?? '', ref.optional ?? false);
    return keyOf(data, ref.key, `configmap "${ref.name}"`, ref.optional ?? false);
  }
  if (from.secretKeyRef) {
    const ref = from.secretKeyRef;
    const data = await readSecret(client, namespace, ref.name ?? '', ref.optional ?? false);
    return keyOf(data, ref.key, `secret "${ref.name}"`, ref.optional ?? false);
  }
  return '';
}

function keyOf(data: Record<string, string> | undefined, key: string, what: string, optional: boolean): string | undefined {
  if (data === undefined) return undefined;
  const v = data[key];
  if (v === undefined && !optional) throw new ContainerConfigError(`couldn't find key ${key} in ${what}`);
  return v;
}

/** The value of a downward-API field path. */
export function fieldValue(pod: Pod, path: string, ctx: EnvContext): string {
  const md = pod.metadata ?? {};
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) {
    const map = label[1] === 'labels' ? md.labels : md.annotations;
    return map?.[label[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? 'default';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP ?? '';
    default:
      throw new ContainerConfigError(`unsupported fieldPath ${JSON.stringify(path)}`);
  }
}

async function readConfigMap(client: Clientset | undefined, ns: string, name: string, optional: boolean): Promise<Record<string, string> | undefined> {
  if (!client) throw new ContainerConfigError(`configmap "${name}" not found (no API client)`);
  try {
    const cm = await client.configMaps.inNamespace(ns).get(name);
    return { ...(cm.data ?? {}) };
  } catch (err) {
    if (isNotFound(err)) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    throw err;
  }
}

async function readSecret(client: Clientset | undefined, ns: string, name: string, optional: boolean): Promise<Record<string, string> | undefined> {
  if (!client) throw new ContainerConfigError(`secret "${name}" not found (no API client)`);
  try {
    const s = await client.secrets.inNamespace(ns).get(name);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
    return out;
  } catch (err) {
    if (isNotFound(err)) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    throw err;
  }
}
