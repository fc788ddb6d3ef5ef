/**
 * What an authorizer decides on (Kubernetes' `authorizer.Attributes`): who
 * asks, and either a resource request (verb, group, resource, subresource,
 * namespace, name) or a non-resource request (verb and path). Built from the
 * request info of the path grammar, or from a SelfSubjectAccessReview.
 */
import type { NonResourceRule, ResourceRule } from '@mk8s/api';
import type { RequestInfo } from '../http/request-info.js';
import type { UserInfo } from './user.js';

export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  /** Non-resource requests: the URL path, e.g. `/healthz`. */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
}

export type Decision = 'allow' | 'deny' | 'noopinion';

export interface AuthorizerResult {
  decision: Decision;
  /** Why, when the authorizer says; appended to a 403's message. */
  reason?: string;
}

/**
 * What an authorizer can tell of a user's permissions in a namespace
 * (Kubernetes' `RuleResolver.RulesFor`, for SelfSubjectRulesReview): the rules
 * it knows, whether that list is incomplete, and the errors met on the way.
 */
export interface SubjectRules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  /** Each error's message, in the order met (a missing role, an authorizer that cannot list rules). */
  errors: string[];
}

/** One authorization mode (RBAC, Node, AlwaysAllow...). */
export interface Authorizer {
  readonly name: string;
  authorize(attrs: Attributes): Promise<AuthorizerResult> | AuthorizerResult;
  /** The rules this mode grants `user` in `namespace` (Kubernetes' RuleResolver). */
  rulesFor(user: UserInfo, namespace: string): SubjectRules;
}

/** Verbs of non-resource requests: the lower-case HTTP method (HEAD is a get). */
export function nonResourceVerb(method: string): string {
  const m = method.toLowerCase();
  return m === 'head' ? 'get' : m;
}

/**
 * The attributes of an HTTP request. `info` undefined or a discovery path
 * makes a non-resource request. Exec sessions are authorized as `create`
 * whatever their method, as kube-apiserver does for WebSocket upgrades.
 */
export function requestAttributes(user: UserInfo, method: string, path: string, info: RequestInfo | undefined): Attributes {
  const base = { user, path, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
  if (!info || info.discovery || !info.resource) return { ...base, verb: nonResourceVerb(method), resourceRequest: false };
  let verb: string = info.verb;
  if (info.resource === 'pods' && (info.subresource === 'exec' || info.subresource === 'attach' || info.subresource === 'portforward')) verb = 'create';
  return {
    ...base,
    verb,
    resourceRequest: true,
    namespace: info.namespace ?? '',
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource ?? '',
    name: info.name ?? '',
  };
}

/**
 * Kubernetes' denial wording: `User "jane" cannot list resource "pods" in API
 * group "" in the namespace "default"` (or `at the cluster scope`), and
 * `User "jane" cannot get path "/metrics"` for non-resource requests.
 */
export function forbiddenWhy(attrs: Attributes, reason?: string): string {
  const who = `User "${attrs.user.name}"`;
  let msg: string;
  if (!attrs.resourceRequest) {
    msg = `${who} cannot ${attrs.verb} path "${attrs.path}"`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
    msg = `${who} cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" ${scope}`;
  }
  return reason ? `${msg}: ${reason}` : msg;
}
