/**
 * Pod Security Admission (Kubernetes' PodSecurity plugin): a namespace's
 * `pod-security.kubernetes.io/{enforce,audit,warn}` labels (with
 * `-version` labels: `latest` or `v1.N`) pick the Pod Security Standard
 * (`privileged`, `baseline`, `restricted`) its pods must meet per mode;
 * modes without a label get the server defaults (mk8s: enforce `baseline`,
 * `--pod-security-default`; audit and warn `privileged`). The checks are in
 * pod-security-policy.ts.
 *
 * - Pods (create, and updates that change what the checks read): enforce
 *   refuses with 403 `pods "x" is forbidden: violates PodSecurity
 *   "restricted:latest": <reason (detail)>, ...`; warn adds a `Warning`
 *   (`would violate PodSecurity "...": ...`); audit records the
 *   `pod-security.kubernetes.io/audit-violations` audit annotation.
 * - Pod templates of workloads (Deployments, ReplicaSets... create and
 *   update): warn and audit only, never enforced.
 * - Namespaces: invalid labels are refused (422) on create, and on update
 *   when they changed; raising the enforce level (or changing its version)
 *   warns about the existing pods that would violate it.
 * - Exemptions: namespaces, usernames, runtime classes (audit annotation
 *   `pod-security.kubernetes.io/exempt`).
 */
import { errors, type StatusError } from '../../errors.js';
import type { FieldError } from '@mk8s/api';
import type { Obj } from '../../registry/strategy.js';
import { namespaceObject, namespaceObjects, objs, rec } from '../lookup.js';
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from '../types.js';
import {
  AUDIT_ANNOTATION_PREFIX,
  AUDIT_LABEL,
  AUDIT_VERSION_LABEL,
  ENFORCE_LABEL,
  ENFORCE_VERSION_LABEL,
  WARN_LABEL,
  WARN_VERSION_LABEL,
  compareLevels,
  equivalentLevelVersions,
  evaluatePod,
  forbiddenDetail,
  forbiddenReason,
  levelVersionString,
  policyToEvaluate,
  type CheckFailure,
  type LevelVersion,
  type PodSecurityLevel,
  type PodSecurityPolicy,
} from './pod-security-policy.js';

export {
  ENFORCE_LABEL,
  ENFORCE_VERSION_LABEL,
  AUDIT_LABEL,
  AUDIT_VERSION_LABEL,
  WARN_LABEL,
  WARN_VERSION_LABEL,
  POD_SECURITY_LEVELS,
  podSecurityViolations,
  type PodSecurityLevel,
} from './pod-security-policy.js';

export interface PodSecuritySettings {
  /** Enforce level of namespaces without an enforce label (Kubernetes' built-in default is `privileged`; mk8s' is `baseline`). */
  defaultLevel: PodSecurityLevel;
  /** Audit level of namespaces without an audit label (Kubernetes' default: `privileged`). */
  defaultAuditLevel: PodSecurityLevel;
  /** Warn level of namespaces without a warn label (Kubernetes' default: `privileged`). */
  defaultWarnLevel: PodSecurityLevel;
  /** Namespaces never checked (Kubernetes' exemptions.namespaces). */
  exemptNamespaces: readonly string[];
  /** Requesting users never checked (exemptions.usernames). */
  exemptUsernames: readonly string[];
  /** Pods (and templates) with one of these runtimeClassName never checked (exemptions.runtimeClasses). */
  exemptRuntimeClasses: readonly string[];
}

export const DEFAULT_POD_SECURITY: PodSecuritySettings = {
  defaultLevel: 'baseline',
  defaultAuditLevel: 'privileged',
  defaultWarnLevel: 'privileged',
  exemptNamespaces: ['kube-system'],
  exemptUsernames: [],
  exemptRuntimeClasses: [],
};

/** Pod subresources that cannot change the pod spec (Kubernetes' ignoredPodSubresources). */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** Resources embedding a pod template, and where it is (Kubernetes' DefaultPodSpecExtractor). */
const POD_TEMPLATE_PATHS: Record<string, readonly string[]> = {
  '/podtemplates': ['template'],
  '/replicationcontrollers': ['spec', 'template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/deployments': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Existing pods checked when a namespace's enforce level is raised, and the time allowed (Kubernetes' limits). */
const NAMESPACE_MAX_PODS_TO_CHECK = 3000;
const NAMESPACE_POD_CHECK_TIMEOUT_MS = 1000;

/** `error` of field.ErrorList.ToAggregate(): one message, or `[a, b]`. */
function aggregate(errs: readonly FieldError[]): string {
  const msgs = [...new Set(errs.map((e) => `${e.field}: ${e.message}`))];
  return msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
}

function sameErrors(a: readonly FieldError[], b: readonly FieldError[]): boolean {
  return a.length === b.length && a.every((e, i) => e.field === b[i]!.field && e.message === b[i]!.message);
}

function fullyPrivileged(p: PodSecurityPolicy): boolean {
  return p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';
}

function metaOf(o: Obj | undefined): Obj {
  return rec(o?.['metadata']);
}

/** Only images, the number of (init) containers and new ephemeral containers can change a pod's verdict (Kubernetes' isSignificantPodUpdate). */
export function isSignificantPodUpdate(pod: Obj, old: Obj): boolean {
  const spec = rec(pod['spec']);
  const oldSpec = rec(old['spec']);
  for (const f of ['containers', 'initContainers']) {
    const now = objs(spec[f]);
    const before = objs(oldSpec[f]);
    if (now.length !== before.length) return true;
    if (now.some((c, i) => c['image'] !== before[i]!['image'])) return true;
  }
  const oldEphemeral = objs(oldSpec['ephemeralContainers']);
  for (const c of objs(spec['ephemeralContainers'])) {
    const was = oldEphemeral.find((o) => o['name'] === c['name']);
    if (!was || was['image'] !== c['image']) return true;
  }
  return false;
}

export class PodSecurity implements AdmissionPlugin {
  readonly name = 'PodSecurity';
  private readonly defaults: PodSecurityPolicy;

  constructor(
    private readonly ctx: AdmissionContext,
    private readonly settings: PodSecuritySettings = DEFAULT_POD_SECURITY,
  ) {
    this.defaults = {
      enforce: { level: settings.defaultLevel, version: 'latest' },
      audit: { level: settings.defaultAuditLevel, version: 'latest' },
      warn: { level: settings.defaultWarnLevel, version: 'latest' },
    };
  }

  handles(attrs: AdmissionAttributes): boolean {
    if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return false;
    const gr = `${attrs.resource.group}/${attrs.resource.resource}`;
    if (gr === '/namespaces') return attrs.subresource === '';
    if (attrs.namespace === undefined) return false;
    if (gr === '/pods') return !IGNORED_POD_SUBRESOURCES.has(attrs.subresource);
    return gr in POD_TEMPLATE_PATHS && attrs.subresource === '';
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    const gr = `${attrs.resource.group}/${attrs.resource.resource}`;
    if (gr === '/namespaces') return this.validateNamespace(attrs);
    return this.validatePodOrTemplate(attrs, gr === '/pods');
  }

  /** The policy of a namespace (by its labels), and the label errors. */
  async policyOf(namespace: string): Promise<{ policy: PodSecurityPolicy; errors: FieldError[] }> {
    return policyToEvaluate(rec(metaOf(await namespaceObject(this.ctx, namespace))['labels']), this.defaults);
  }

  private exemptNamespace(ns: string | undefined): boolean {
    return !!ns && this.settings.exemptNamespaces.includes(ns);
  }

  private exemptRuntimeClass(spec: Obj): boolean {
    const rc = spec['runtimeClassName'];
    return typeof rc === 'string' && rc !== '' && this.settings.exemptRuntimeClasses.includes(rc);
  }

  private async validatePodOrTemplate(attrs: AdmissionAttributes, isPod: boolean): Promise<void> {
    const annotate = annotator(attrs);
    if (this.exemptNamespace(attrs.namespace)) return annotate('exempt', 'namespace');
    const user = attrs.user?.name ?? '';
    if (user !== '' && this.settings.exemptUsernames.includes(user)) return annotate('exempt', 'user');
    const { policy, errors: labelErrors } = await this.policyOf(attrs.namespace!);
    if (isPod) {
      if (labelErrors.length === 0 && fullyPrivileged(policy)) return annotate('enforce-policy', 'privileged:latest');
      if (attrs.operation === 'UPDATE' && attrs.oldObject && !isSignificantPodUpdate(attrs.object, attrs.oldObject)) return;
      return this.evaluate(attrs, policy, labelErrors, metaOf(attrs.object), rec(attrs.object['spec']), true);
    }
    if (labelErrors.length === 0 && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    let template: unknown = attrs.object;
    for (const k of POD_TEMPLATE_PATHS[`${attrs.resource.group}/${attrs.resource.resource}`]!) template = rec(template)[k];
    if (template === undefined || template === null) return;
    return this.evaluate(attrs, policy, labelErrors, metaOf(rec(template)), rec(rec(template)['spec']), false);
  }

  /** Kubernetes' EvaluatePod: enforce (pods only) refuses, audit annotates, warn warns (only when not refused). */
  private evaluate(attrs: AdmissionAttributes, policy: PodSecurityPolicy, labelErrors: FieldError[], meta: Obj, spec: Obj, enforce: boolean): void {
    const annotate = annotator(attrs);
    if (this.exemptRuntimeClass(spec)) return annotate('exempt', 'runtimeClass');
    if (labelErrors.length) annotate('error', `Failed to parse policy: ${aggregate(labelErrors)}`);
    const results = new Map<string, CheckFailure[]>();
    const run = (lv: LevelVersion) => {
      const key = levelVersionString(lv);
      let r = results.get(key);
      if (!r) results.set(key, (r = evaluatePod(lv, meta, spec)));
      return r;
    };
    let refused: StatusError | undefined;
    if (enforce) {
      annotate('enforce-policy', levelVersionString(policy.enforce));
      const failures = run(policy.enforce);
      if (failures.length) {
        refused = errors.forbidden(
          { qualifiedResource: 'pods', group: '', kind: 'Pod', name: attrs.name },
          `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(failures)}`,
        );
      }
    }
    const audit = run(policy.audit);
    if (audit.length) annotate('audit-violations', `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(audit)}`);
    if (refused) throw refused;
    const warn = run(policy.warn);
    if (warn.length) attrs.warnings?.push(`would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(warn)}`);
  }

  /** Kubernetes' ValidateNamespace: label validation, and warnings about existing pods when enforce gets stricter. */
  private async validateNamespace(attrs: AdmissionAttributes): Promise<void> {
    const labels = rec(metaOf(attrs.object)['labels']);
    const { policy, errors: labelErrors } = policyToEvaluate(labels, this.defaults);
    const target = { qualifiedResource: 'namespaces', group: '', kind: 'Namespace', name: attrs.name };
    const exemptWarning = () => {
      const w = this.exemptNamespaceWarning(attrs.name, policy, labels);
      if (w) attrs.warnings?.push(w);
    };
    if (attrs.operation === 'CREATE' || !attrs.oldObject) {
      if (labelErrors.length) throw errors.invalid(target, labelErrors);
      if (this.exemptNamespace(attrs.name)) exemptWarning();
      return;
    }
    const before = policyToEvaluate(rec(metaOf(attrs.oldObject)['labels']), this.defaults);
    // Labels already invalid the same way do not block other changes to the namespace.
    if (labelErrors.length && (before.errors.length === 0 || !sameErrors(labelErrors, before.errors))) throw errors.invalid(target, labelErrors);
    const now = policy.enforce;
    const was = before.policy.enforce;
    if (now.level === was.level && now.version === was.version) return;
    if (now.level === 'privileged') return;
    if (now.version === was.version && compareLevels(now.level, was.level) < 1) return;
    if (this.exemptNamespace(attrs.name)) return exemptWarning();
    attrs.warnings?.push(...(await this.evaluatePodsInNamespace(attrs.name, now)));
  }

  /** Kubernetes' EvaluatePodsInNamespace: the existing pods that violate `enforce`, grouped by identical reasons. */
  async evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const started = performance.now();
    const pods = this.prioritizePods(await namespaceObjects(this.ctx, 'pods', namespace));
    const total = pods.length;
    const byReason = new Map<string, { podName: string; count: number }>();
    let checked = Math.min(total, NAMESPACE_MAX_PODS_TO_CHECK);
    for (let i = 0; i < checked; i++) {
      const pod = pods[i]!;
      const failures = evaluatePod(enforce, metaOf(pod), rec(pod['spec']));
      if (failures.length) {
        const reason = forbiddenReason(failures);
        const name = String(metaOf(pod)['name'] ?? '');
        const seen = byReason.get(reason);
        if (!seen) byReason.set(reason, { podName: name, count: 1 });
        else {
          seen.count++;
          if (name < seen.podName) seen.podName = name;
        }
      }
      if (performance.now() - started > NAMESPACE_POD_CHECK_TIMEOUT_MS) {
        checked = i + 1;
        break;
      }
    }
    const warnings: string[] = [];
    if (checked < total) warnings.push(`new PodSecurity enforce level only checked against the first ${checked} of ${total} existing pods`);
    if (byReason.size)
      warnings.push(
        `existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`,
      );
    const podWarnings = [...byReason].map(([reason, { podName, count }]) => {
      if (count === 1) return `${podName}: ${reason}`;
      if (count === 2) return `${podName} (and 1 other pod): ${reason}`;
      return `${podName} (and ${count - 1} other pods): ${reason}`;
    });
    podWarnings.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return [...warnings, ...podWarnings];
  }

  /** Pods of exempt runtime classes left out; one pod per controller first, its siblings after (Kubernetes' prioritizePods). */
  private prioritizePods(pods: Obj[]): Obj[] {
    const first: Obj[] = [];
    const replicas: Obj[] = [];
    const controllers = new Set<string>();
    for (const pod of pods) {
      if (this.exemptRuntimeClass(rec(pod['spec']))) continue;
      const owner = objs(metaOf(pod)['ownerReferences']).find((r) => r['controller'] === true);
      if (!owner) first.push(pod);
      else if (controllers.has(String(owner['uid']))) replicas.push(pod);
      else {
        controllers.add(String(owner['uid']));
        first.push(pod);
      }
    }
    return [...first, ...replicas];
  }

  /** The warning for Pod Security labels on an exempt namespace that set a non-default, non-privileged policy. */
  private exemptNamespaceWarning(namespace: string, policy: PodSecurityPolicy, labels: Obj): string | undefined {
    if (fullyPrivileged(policy)) return undefined;
    const d = this.defaults;
    if (equivalentLevelVersions(policy.enforce, d.enforce) && equivalentLevelVersions(policy.audit, d.audit) && equivalentLevelVersions(policy.warn, d.warn))
      return undefined;
    const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
    const parts: string[] = [];
    const add = (mode: string, lv: LevelVersion, level: string, version: string) => {
      if (lv.level !== 'privileged' && (has(level) || has(version))) parts.push(`${mode}=${levelVersionString(lv)}`);
    };
    add('enforce', policy.enforce, ENFORCE_LABEL, ENFORCE_VERSION_LABEL);
    add('audit', policy.audit, AUDIT_LABEL, AUDIT_VERSION_LABEL);
    add('warn', policy.warn, WARN_LABEL, WARN_VERSION_LABEL);
    return `namespace ${JSON.stringify(namespace)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
  }
}

/** Records `pod-security.kubernetes.io/<key>` on the request's audit event, when it is audited. */
function annotator(attrs: AdmissionAttributes): (key: string, value: string) => void {
  return (key, value) => {
    if (attrs.auditAnnotations) attrs.auditAnnotations[AUDIT_ANNOTATION_PREFIX + key] = value;
  };
}
