/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` (what
 * `kubectl auth can-i` sends): asks the server's authorizers whether the
 * requesting user may do what the review's `spec` describes, and answers the
 * review with `status.allowed` (201, nothing stored). Create is the only verb.
 * `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews` (`kubectl auth
 * can-i --list`) answers with every rule the authorizers grant the user in
 * `spec.namespace`. `POST /apis/authentication.k8s.io/v1/selfsubjectreviews`
 * (`kubectl auth whoami`) answers with the authenticated user.
 * SubjectAccessReviews and LocalSubjectAccessReviews ask the same of any
 * user, as extension API servers do about their callers.
 */
import { fieldErrors, type FieldError, type ResourceType } from '@mk8s/api';
import { errors, type StatusError } from '../errors.js';
import type { RequestInfo } from '../http/request-info.js';
import type { Registry } from '../registry/registry.js';
import type { Attributes, Authorizer } from './attributes.js';
import { aggregateMessage, authorizeUnion, rulesForUnion } from './rbac.js';
import type { UserInfo } from './user.js';

/** `POST .../selfsubjectreviews`: who the server takes the requester for. */
export function selfSubjectReview(rt: ResourceType, registry: Registry, user: UserInfo, info: RequestInfo, body: unknown): Obj {
  if (info.verb !== 'create' || info.name !== undefined) throw errors.methodNotAllowed();
  registry.decodeBody(rt, body ?? {});
  const userInfo: Obj = { username: user.name, uid: user.uid || undefined, groups: user.groups, extra: user.extra };
  return { kind: rt.kind, apiVersion: rt.apiVersion, metadata: { creationTimestamp: null }, status: { userInfo } };
}

type Obj = Record<string, unknown>;

/** The authorization attributes a review's `spec` describes, for `user`. */
function reviewAttributes(spec: Obj, user: UserInfo): Attributes {
  const ra = spec['resourceAttributes'] as Record<string, string | undefined> | undefined;
  const nra = spec['nonResourceAttributes'] as Record<string, string | undefined> | undefined;
  return ra
    ? {
        user,
        verb: ra['verb'] ?? '',
        resourceRequest: true,
        path: '',
        namespace: ra['namespace'] ?? '',
        apiGroup: ra['group'] ?? '',
        apiVersion: ra['version'] ?? '',
        resource: ra['resource'] ?? '',
        subresource: ra['subresource'] ?? '',
        name: ra['name'] ?? '',
      }
    : {
        user,
        verb: nra?.['verb'] ?? '',
        resourceRequest: false,
        path: nra?.['path'] ?? '',
        namespace: '',
        apiGroup: '',
        apiVersion: '',
        resource: '',
        subresource: '',
        name: '',
      };
}

/** The authorizers' decision on `attrs`, as a review's status. */
async function decide(authorizers: readonly Authorizer[], attrs: Attributes): Promise<Obj> {
  const result = await authorizeUnion(authorizers, attrs);
  const status: Obj = { allowed: result.decision === 'allow' };
  if (result.decision === 'deny') status['denied'] = true;
  if (result.reason) status['reason'] = result.reason;
  return status;
}

function invalidReview(rt: ResourceType, causes: FieldError[]): StatusError {
  return errors.invalid({ qualifiedResource: rt.resource, group: rt.group, kind: rt.kind, name: '' }, causes);
}

/** Exactly one of resourceAttributes and nonResourceAttributes (Kubernetes' wording). */
function attributeErrors(spec: Obj): FieldError[] {
  const ra = spec['resourceAttributes'];
  const nra = spec['nonResourceAttributes'];
  if (!ra && !nra) return [fieldErrors.required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  if (ra && nra) return [fieldErrors.invalid('spec.nonResourceAttributes', nra, 'cannot be specified in combination with resourceAttributes')];
  return [];
}

export async function selfSubjectAccessReview(
  rt: ResourceType,
  registry: Registry,
  authorizers: readonly Authorizer[],
  user: UserInfo,
  info: RequestInfo,
  body: unknown,
): Promise<Obj> {
  if (info.verb !== 'create' || info.name !== undefined) throw errors.methodNotAllowed();
  const { object } = registry.decodeBody(rt, body);
  const spec = (object['spec'] ?? {}) as Obj;
  const problems = attributeErrors(spec);
  if (problems.length > 0) throw invalidReview(rt, problems.slice(0, 1));
  const status = await decide(authorizers, reviewAttributes(spec, user));
  const metadata = { ...((object['metadata'] as Obj | undefined) ?? {}), creationTimestamp: null };
  return { kind: rt.kind, apiVersion: rt.apiVersion, metadata, spec, status };
}

/**
 * `POST .../subjectaccessreviews` and `.../namespaces/{ns}/localsubjectaccessreviews`
 * (Kubernetes' pkg/registry/authorization): what the authorizers decide for
 * the user, groups and extra the review names (an extension API server
 * asking about its caller). Metadata must be empty (a local review's may
 * name its namespace), a user or a group is required, and a local review
 * is about resources in its own namespace only.
 */
export async function subjectAccessReview(
  rt: ResourceType,
  registry: Registry,
  authorizers: readonly Authorizer[],
  info: RequestInfo,
  body: unknown,
): Promise<Obj> {
  if (info.verb !== 'create' || info.name !== undefined) throw errors.methodNotAllowed();
  const { object } = registry.decodeBody(rt, body);
  const spec = (object['spec'] ?? {}) as Obj;
  const local = rt.namespaced;
  const meta = { ...((object['metadata'] as Obj | undefined) ?? {}) };
  delete meta['creationTimestamp'];
  if (local) delete meta['namespace'];
  const causes: FieldError[] = [];
  if (Object.keys(meta).length > 0) causes.push(fieldErrors.invalid('metadata', meta, local ? 'must be empty except for namespace' : 'must be empty'));
  causes.push(...attributeErrors(spec));
  if (local && spec['nonResourceAttributes'])
    causes.push(fieldErrors.invalid('spec.nonResourceAttributes', spec['nonResourceAttributes'], 'disallowed on this kind of request'));
  const groups = (spec['groups'] as string[] | undefined) ?? [];
  if (!spec['user'] && groups.length === 0)
    causes.push(fieldErrors.invalid('spec.user', spec['user'] ?? '', 'at least one of user or group must be specified'));
  if (causes.length > 0) throw invalidReview(rt, causes);
  if (local) {
    const ra = (spec['resourceAttributes'] ?? {}) as Obj;
    if ((ra['namespace'] ?? '') !== info.namespace) throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${info.namespace ?? ''}`);
  }
  const user: UserInfo = {
    name: String(spec['user'] ?? ''),
    uid: spec['uid'] ? String(spec['uid']) : undefined,
    groups,
    extra: spec['extra'] as Record<string, string[]> | undefined,
  };
  const status = await decide(authorizers, reviewAttributes(spec, user));
  const metadata = { ...((object['metadata'] as Obj | undefined) ?? {}), creationTimestamp: null };
  return { kind: rt.kind, apiVersion: rt.apiVersion, metadata, spec, status };
}

/**
 * `POST .../selfsubjectrulesreviews` (Kubernetes'
 * pkg/registry/authorization/selfsubjectrulesreview): the rules every
 * authorization mode grants the requester in `spec.namespace`, which is
 * required (400 `no namespace on request`; Kubernetes' validation checks
 * nothing else). As Kubernetes, the reply is a new review: an empty `spec`
 * and the status, with `incomplete` when a mode cannot list its rules (the
 * Node authorizer, for kubelets) and the modes' errors (missing roles) as
 * `evaluationError`.
 */
export function selfSubjectRulesReview(
  rt: ResourceType,
  registry: Registry,
  authorizers: readonly Authorizer[],
  user: UserInfo,
  info: RequestInfo,
  body: unknown,
): Obj {
  if (info.verb !== 'create' || info.name !== undefined) throw errors.methodNotAllowed();
  const { object } = registry.decodeBody(rt, body);
  const namespace = ((object['spec'] ?? {}) as Obj)['namespace'];
  if (typeof namespace !== 'string' || namespace === '') throw errors.badRequest('no namespace on request');
  const rules = rulesForUnion(authorizers, user, namespace);
  const status: Obj = { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: rules.incomplete };
  const evaluationError = aggregateMessage(rules.errors);
  if (evaluationError !== undefined) status['evaluationError'] = evaluationError;
  return { kind: rt.kind, apiVersion: rt.apiVersion, metadata: { creationTimestamp: null }, spec: {}, status };
}
