/**
 * One container of a pod spec: image, pull policy, ports, env, envFrom, resources,
 * volume mounts, probes, lifecycle hooks (core validation's validateContainerCommon and
 * helpers). Names, uniqueness and host port conflicts are checked by the pod spec.
 *
 * Fields Kubernetes defaults (imagePullPolicy, terminationMessagePolicy, port protocol,
 * probe scheme/path) are checked only when present: absent means "to be defaulted".
 */
import { fieldErrors, fieldPath, type FieldError } from '../field-errors.js';
import { invalidEach, notFound, validateNonnegative, validatePortNumOrName } from './common.js';
import { arr, has, isObject, num, obj, str, type JsonObject } from './json.js';
import { isConfigMapKey, isDNS1123Subdomain, isHTTPHeaderName, isRelaxedEnvVarName, isValidPortName, isValidPortNum, validateNameByRule } from './names.js';
import { validateResourceRequirements } from './resource-requirements.js';

export const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

export interface ContainerContext {
  /** Names of the pod's volumes, for volumeMounts. */
  volumes: ReadonlySet<string>;
  /** Init containers may carry probes/lifecycle only as sidecars (restartPolicy Always). */
  kind: 'container' | 'init';
  /** The pod's terminationGracePeriodSeconds (default 30), bounding sleep hooks. */
  gracePeriod: number;
}

/** Validates an enum value when present: "" is Required, unknown is Unsupported. */
export function validateEnum(value: unknown, path: string, supported: readonly string[]): FieldError[] {
  if (value === undefined || value === null) return [];
  if (value === '') return [fieldErrors.required(path)];
  return typeof value === 'string' && supported.includes(value) ? [] : [fieldErrors.notSupported(path, value, supported)];
}

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((raw, i) => {
    const port = obj(raw);
    const p = fieldPath.index(path, i);
    const name = str(port['name']) ?? '';
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) errs.push(...invalidEach(fieldPath.child(p, 'name'), name, msgs));
      else if (names.has(name)) errs.push(fieldErrors.duplicate(fieldPath.child(p, 'name'), name));
      else names.add(name);
    }
    const containerPort = num(port['containerPort']) ?? 0;
    if (containerPort === 0) errs.push(fieldErrors.required(fieldPath.child(p, 'containerPort')));
    else errs.push(...invalidEach(fieldPath.child(p, 'containerPort'), containerPort, isValidPortNum(containerPort)));
    const hostPort = num(port['hostPort']) ?? 0;
    if (hostPort !== 0) errs.push(...invalidEach(fieldPath.child(p, 'hostPort'), hostPort, isValidPortNum(hostPort)));
    errs.push(...validateEnum(port['protocol'], fieldPath.child(p, 'protocol'), SUPPORTED_PROTOCOLS));
  });
  return errs;
}

const ENV_FIELD_PATHS = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const RESOURCE_FIELD_REFS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

/** `fieldRef` of env (downward API): a supported path, or a label/annotation subscript. */
export function validateObjectFieldSelector(ref: JsonObject, path: string, allowed: ReadonlySet<string>): FieldError[] {
  const fp = str(ref['fieldPath']) ?? '';
  if (fp === '') return [fieldErrors.required(fieldPath.child(path, 'fieldPath'))];
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fp);
  if (subscript) return [];
  if (allowed.has(fp)) return [];
  return [fieldErrors.notSupported(fieldPath.child(path, 'fieldPath'), fp, [...allowed].sort())];
}

function validateKeySelector(ref: JsonObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(ref['name']) ?? '';
  errs.push(...invalidEach(fieldPath.child(path, 'name'), name, isDNS1123Subdomain(name)));
  const key = str(ref['key']) ?? '';
  if (key === '') errs.push(fieldErrors.required(fieldPath.child(path, 'key')));
  else errs.push(...invalidEach(fieldPath.child(path, 'key'), key, isConfigMapKey(key)));
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(env).forEach((raw, i) => {
    const ev = obj(raw);
    const p = fieldPath.index(path, i);
    const name = str(ev['name']) ?? '';
    if (name === '') errs.push(fieldErrors.required(fieldPath.child(p, 'name')));
    errs.push(...invalidEach(fieldPath.child(p, 'name'), name, isRelaxedEnvVarName(name)));
    if (!isObject(ev['valueFrom'])) return;
    const from = ev['valueFrom'];
    const fromPath = fieldPath.child(p, 'valueFrom');
    let sources = 0;
    if (isObject(from['fieldRef'])) {
      sources++;
      errs.push(...validateObjectFieldSelector(from['fieldRef'], fieldPath.child(fromPath, 'fieldRef'), ENV_FIELD_PATHS));
    }
    if (isObject(from['resourceFieldRef'])) {
      sources++;
      const resource = str(from['resourceFieldRef']['resource']) ?? '';
      const rp = fieldPath.child(fieldPath.child(fromPath, 'resourceFieldRef'), 'resource');
      if (resource === '') errs.push(fieldErrors.required(rp));
      else if (!RESOURCE_FIELD_REFS.includes(resource) && !/^(limits|requests)\.hugepages-/.test(resource)) {
        errs.push(fieldErrors.notSupported(rp, resource, RESOURCE_FIELD_REFS));
      }
    }
    if (isObject(from['configMapKeyRef'])) {
      sources++;
      errs.push(...validateKeySelector(from['configMapKeyRef'], fieldPath.child(fromPath, 'configMapKeyRef')));
    }
    if (isObject(from['secretKeyRef'])) {
      sources++;
      errs.push(...validateKeySelector(from['secretKeyRef'], fieldPath.child(fromPath, 'secretKeyRef')));
    }
    if (sources === 0) {
      errs.push(fieldErrors.invalid(fromPath, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    } else if ((str(ev['value']) ?? '') !== '') {
      errs.push(fieldErrors.invalid(fromPath, '', 'may not be specified when `value` is not empty'));
    } else if (sources > 1) {
      errs.push(fieldErrors.invalid(fromPath, '', 'may not have more than one field specified at a time'));
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(envFrom).forEach((raw, i) => {
    const ef = obj(raw);
    const p = fieldPath.index(path, i);
    const prefix = str(ef['prefix']) ?? '';
    if (prefix !== '') errs.push(...invalidEach(fieldPath.child(p, 'prefix'), prefix, isRelaxedEnvVarName(prefix)));
    let sources = 0;
    for (const source of ['configMapRef', 'secretRef']) {
      if (!isObject(ef[source])) continue;
      sources++;
      const name = str(ef[source]['name']) ?? '';
      const np = fieldPath.child(fieldPath.child(p, source), 'name');
      if (name === '') errs.push(fieldErrors.required(np));
      else errs.push(...invalidEach(np, name, validateNameByRule('subdomain', name, true)));
    }
    if (sources === 0) errs.push(fieldErrors.invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(fieldErrors.invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, path: string, volumes: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  arr(mounts).forEach((raw, i) => {
    const m = obj(raw);
    const p = fieldPath.index(path, i);
    const name = str(m['name']) ?? '';
    if (name === '') errs.push(fieldErrors.required(fieldPath.child(p, 'name')));
    if (!volumes.has(name)) errs.push(notFound(fieldPath.child(p, 'name'), name, 'a volume in the pod'));
    const mountPath = str(m['mountPath']) ?? '';
    if (mountPath === '') errs.push(fieldErrors.required(fieldPath.child(p, 'mountPath')));
    if (mountPoints.has(mountPath)) errs.push(fieldErrors.invalid(fieldPath.child(p, 'mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    const subPath = str(m['subPath']) ?? '';
    if (subPath !== '') errs.push(...validateLocalDescendingPath(subPath, fieldPath.child(p, 'subPath')));
    errs.push(...validateEnum(m['mountPropagation'], fieldPath.child(p, 'mountPropagation'), ['Bidirectional', 'HostToContainer', 'None']));
  });
  return errs;
}

/** A relative path that never climbs out of its root. */
export function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(fieldErrors.invalid(path, target, 'must be a relative path'));
  if (target.split(/[\\/]/).includes('..')) errs.push(fieldErrors.invalid(path, target, "must not contain '..'"));
  return errs;
}

/** Handler kinds, in the order Kubernetes counts them. */
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;

function validateHandler(handler: JsonObject, path: string, kinds: readonly string[], gracePeriod: number): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    if (!isObject(handler[kind])) continue;
    const hp = fieldPath.child(path, kind);
    if (count > 0) {
      errs.push(fieldErrors.forbidden(hp, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    const h = handler[kind];
    switch (kind) {
      case 'exec':
        if (arr(h['command']).length === 0) errs.push(fieldErrors.required(fieldPath.child(hp, 'command')));
        break;
      case 'httpGet':
        if (has(h, 'path') && h['path'] === '') errs.push(fieldErrors.required(fieldPath.child(hp, 'path')));
        errs.push(...validatePortNumOrName(h['port'], fieldPath.child(hp, 'port')));
        errs.push(...validateEnum(h['scheme'], fieldPath.child(hp, 'scheme'), ['HTTP', 'HTTPS']));
        for (const header of arr(h['httpHeaders'])) {
          const headerName = str(obj(header)['name']) ?? '';
          errs.push(...invalidEach(fieldPath.child(hp, 'httpHeaders'), headerName, isHTTPHeaderName(headerName)));
        }
        break;
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(h['port'], fieldPath.child(hp, 'port')));
        break;
      case 'grpc': {
        const port = num(h['port']) ?? 0;
        errs.push(...invalidEach(fieldPath.child(hp, 'port'), port, isValidPortNum(port)));
        break;
      }
      case 'sleep': {
        const seconds = num(h['seconds']) ?? 0;
        if (seconds <= 0 || seconds > gracePeriod) {
          errs.push(
            fieldErrors.invalid(fieldPath.child(hp, 'seconds'), seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`),
          );
        }
        break;
      }
    }
  }
  if (count === 0) errs.push(fieldErrors.required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: JsonObject, path: string, gracePeriod: number): FieldError[] {
  const errs = validateHandler(probe, path, PROBE_HANDLERS, gracePeriod);
  for (const field of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonnegative(num(probe[field]), fieldPath.child(path, field)));
  }
  const tgps = num(probe['terminationGracePeriodSeconds']);
  if (tgps !== undefined && tgps <= 0) {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  }
  return errs;
}

/** Everything about one container except its name (see pod-spec). */
export function validateContainer(container: JsonObject, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const image = str(container['image']) ?? '';
  if (image === '') errs.push(fieldErrors.required(fieldPath.child(path, 'image')));
  if (image.trim() !== image) {
    errs.push(fieldErrors.invalid(fieldPath.child(path, 'image'), image, 'must not have leading or trailing whitespace'));
  }
  errs.push(...validateEnum(container['imagePullPolicy'], fieldPath.child(path, 'imagePullPolicy'), ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateEnum(container['terminationMessagePolicy'], fieldPath.child(path, 'terminationMessagePolicy'), ['File', 'FallbackToLogsOnError']));
  const sidecar = ctx.kind === 'init' && container['restartPolicy'] === 'Always';
  if (has(container, 'restartPolicy')) {
    if (ctx.kind === 'init') errs.push(...validateEnum(container['restartPolicy'], fieldPath.child(path, 'restartPolicy'), ['Always']));
    else errs.push(fieldErrors.forbidden(fieldPath.child(path, 'restartPolicy'), 'may not be set for non-init containers'));
  }
  errs.push(...validateContainerPorts(container['ports'], fieldPath.child(path, 'ports')));
  errs.push(...validateEnv(container['env'], fieldPath.child(path, 'env')));
  errs.push(...validateEnvFrom(container['envFrom'], fieldPath.child(path, 'envFrom')));
  errs.push(...validateResourceRequirements(container['resources'], fieldPath.child(path, 'resources')));
  errs.push(...validateVolumeMounts(container['volumeMounts'], fieldPath.child(path, 'volumeMounts'), ctx.volumes));

  for (const probeName of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = container[probeName];
    if (!isObject(probe)) continue;
    const pp = fieldPath.child(path, probeName);
    if (ctx.kind === 'init' && !sidecar) {
      errs.push(fieldErrors.forbidden(pp, 'may not be set for init containers without restartPolicy=Always'));
      continue;
    }
    errs.push(...validateProbe(probe, pp, ctx.gracePeriod));
    const successThreshold = num(probe['successThreshold']);
    if (probeName !== 'readinessProbe' && successThreshold !== undefined && successThreshold !== 1) {
      errs.push(fieldErrors.invalid(fieldPath.child(pp, 'successThreshold'), successThreshold, 'must be 1'));
    }
  }
  if (isObject(container['lifecycle'])) {
    const lp = fieldPath.child(path, 'lifecycle');
    if (ctx.kind === 'init' && !sidecar) {
      errs.push(fieldErrors.forbidden(lp, 'may not be set for init containers without restartPolicy=Always'));
    } else {
      for (const hook of ['postStart', 'preStop']) {
        const h = container['lifecycle'][hook];
        if (isObject(h)) errs.push(...validateHandler(h, fieldPath.child(lp, hook), LIFECYCLE_HANDLERS, ctx.gracePeriod));
      }
    }
  }
  return errs;
}
