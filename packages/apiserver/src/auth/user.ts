/**
 * The authenticated identity of a request, as Kubernetes' `user.Info`: set on
 * the fastify request by the authentication step (`req.user`) and read by
 * authorization, admission and the audit log.
 */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  /** Extra attributes (e.g. the authenticating ServiceAccount's pod). */
  extra?: Record<string, string[]>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user; absent before authentication ran (or when it is off). */
    user?: UserInfo;
  }
}

/** Well-known users and groups (Kubernetes' names). */
export const ANONYMOUS_USER = 'system:anonymous';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const MASTERS_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
