/**
 * RBAC rule matching, as Kubernetes' `rbac.RuleAllows`: a PolicyRule allows
 * a request when its verbs, API groups, resources (`*`, `pods`, `pods/log`,
 * `*\/scale`) and resource names match a resource request, or its verbs and
 * non-resource URLs (`/healthz`, `/apis/*`) match a path. Pure functions.
 */
import type { PolicyRule } from '@mk8s/api';
import type { Attributes } from './attributes.js';

const ALL = '*';

function has(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((v) => v === ALL || v === value);
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!attrs.resourceRequest) return nonResourceURLMatches(rule, attrs.path);
  if (!has(rule.apiGroups, attrs.apiGroup)) return false;
  if (!resourceMatches(rule, attrs.resource, attrs.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(attrs.name);
}

export function rulesAllow(attrs: Attributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(attrs, r));
}
