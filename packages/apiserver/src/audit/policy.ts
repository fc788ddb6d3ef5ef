/**
 * Which requests the audit log records, and at what level (Kubernetes'
 * audit.k8s.io/v1 Policy, a subset): an ordered list of rules, the first rule
 * matching a request gives its level; no match means `None`. Levels above
 * `Metadata` (`Request`, `RequestResponse`) are accepted and logged as
 * `Metadata`: mk8s records no bodies.
 *
 * A policy file is JSON (which is also YAML):
 *
 * ```json
 * { "apiVersion": "audit.k8s.io/v1", "kind": "Policy", "rules": [
 *   { "level": "None", "resources": [{ "group": "", "resources": ["events"] }] },
 *   { "level": "None", "verbs": ["watch"] },
 *   { "level": "Metadata" } ] }
 * ```
 */
import { readFileSync } from 'node:fs';
import { errorMessage } from '@mk8s/api';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export const AUDIT_LEVELS: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

export interface GroupResources {
  /** API group, `''` for core. */
  group?: string;
  /** Plural resources, `pods/log` for a subresource, `*` for all. */
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  verbs?: string[];
  users?: string[];
  userGroups?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  /** Paths of non-resource requests (`/healthz`, `/metrics`, prefixes ending in `*`). */
  nonResourceURLs?: string[];
}

export interface AuditPolicy {
  rules: PolicyRule[];
}

/** What a rule is matched against. */
export interface PolicyRequest {
  verb: string;
  user: string;
  groups: readonly string[];
  /** Set for resource requests. */
  resource?: { group: string; resource: string; subresource: string; namespace: string; name: string };
  path: string;
}

export class AuditPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditPolicyError';
  }
}

/** A policy that logs everything at `level` (`--audit-log-level`). */
export function globalPolicy(level: AuditLevel): AuditPolicy {
  return { rules: [{ level }] };
}

function isLevel(v: unknown): v is AuditLevel {
  return typeof v === 'string' && (AUDIT_LEVELS as readonly string[]).includes(v);
}

/** Checks and normalizes a parsed policy document. Throws `AuditPolicyError`. */
export function parsePolicy(doc: unknown): AuditPolicy {
  const d = doc as { kind?: unknown; rules?: unknown };
  if (!d || typeof d !== 'object') throw new AuditPolicyError('audit policy must be an object');
  if (d.kind !== undefined && d.kind !== 'Policy') throw new AuditPolicyError(`audit policy kind must be Policy, got ${String(d.kind)}`);
  if (!Array.isArray(d.rules)) throw new AuditPolicyError('audit policy needs a rules list');
  return {
    rules: d.rules.map((r: unknown, i: number) => {
      const rule = r as PolicyRule;
      if (!rule || !isLevel(rule.level)) throw new AuditPolicyError(`rules[${i}].level must be one of ${AUDIT_LEVELS.join(', ')}`);
      return rule;
    }),
  };
}

/** Reads a JSON policy file (`--audit-policy-file`). */
export function loadPolicyFile(path: string): AuditPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AuditPolicyError(`cannot read audit policy ${path} (JSON expected): ${errorMessage(err)}`);
  }
  return parsePolicy(doc);
}

function matchesList(list: readonly string[] | undefined, value: string): boolean {
  return !list || list.length === 0 || list.includes(value) || list.includes('*');
}

function ruleMatches(rule: PolicyRule, req: PolicyRequest): boolean {
  if (!matchesList(rule.verbs, req.verb)) return false;
  if (!matchesList(rule.users, req.user)) return false;
  if (rule.userGroups && rule.userGroups.length > 0 && !req.groups.some((g) => rule.userGroups!.includes(g))) return false;
  const resourceScoped = (rule.resources && rule.resources.length > 0) || (rule.namespaces && rule.namespaces.length > 0);
  if (req.resource) {
    if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) return false;
    if (!matchesList(rule.namespaces, req.resource.namespace)) return false;
    if (rule.resources && rule.resources.length > 0) {
      const r = req.resource;
      const full = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
      return rule.resources.some(
        (gr) =>
          (gr.group === undefined || gr.group === '*' || gr.group === r.group) &&
          (!gr.resources ||
            gr.resources.length === 0 ||
            gr.resources.includes(full) ||
            gr.resources.includes('*') ||
            gr.resources.includes(`${r.resource}/*`) ||
            gr.resources.includes(`*/${r.subresource}`)) &&
          matchesList(gr.resourceNames, r.name),
      );
    }
    return true;
  }
  if (resourceScoped) return false;
  if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) {
    return rule.nonResourceURLs.some((u) => (u.endsWith('*') ? req.path.startsWith(u.slice(0, -1)) : u === req.path));
  }
  return true;
}

/** The level of the first matching rule, `None` when none matches. */
export function levelFor(policy: AuditPolicy, req: PolicyRequest): AuditLevel {
  for (const rule of policy.rules) if (ruleMatches(rule, req)) return rule.level;
  return 'None';
}
