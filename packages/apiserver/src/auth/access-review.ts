/**
 * `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` (what
 * `kubectl auth can-i` sends): asks the server's authorizers whether the
 * requesting user may do what the review's `spec` describes, and answers the
 * review with `status.allowed` (201, nothing stored). Create is the only verb.
 * `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews` (`kubectl auth
 * can-i --list`) answers with every rule the authorizers grant the user in
 * `spec.namespace`. `POST /apis/authentication.k8s.io/v1/selfsubjectreviews`
 * (`kubectl auth whoami`) answers with the authenticated user.
 */
import type { ResourceType } from '@mk8s/api';
import { errors } from '../errors.js';
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
  const ra = spec['resourceAttributes'] as Record<string, string | undefined> | undefined;
  const nra = spec['nonResourceAttributes'] as Record<string, string | undefined> | undefined;
  if (!ra && !nra)
    throw errors.invalid({ qualifiedResource: rt.resource, group: rt.group, kind: rt.kind, name: '' }, [
      {
        type: 'FieldValueRequired',
        field: 'spec.resourceAttributes',
        message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ]);
  const attrs: Attributes = ra
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
  const result = await authorizeUnion(authorizers, attrs);
  const status: Obj = { allowed: result.decision === 'allow' };
  if (result.decision === 'deny') status['denied'] = true;
  if (result.reason) status['reason'] = result.reason;
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
