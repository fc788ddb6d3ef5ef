/**
 * @mk8s/apiserver: the Kubernetes REST API over a `Store`, as a fastify app.
 *
 * @example
 * ```ts
 * import { buildApiServer } from '@mk8s/apiserver';
 * import { openMemoryStore } from '@mk8s/storage';
 * const { app } = await buildApiServer({ store: await openMemoryStore() });
 * await app.listen({ port: 6443, host: '127.0.0.1' });
 * // curl -X POST -H 'Content-Type: application/json' --data @pod.json \
 * //   http://127.0.0.1:6443/api/v1/namespaces/default/pods
 * ```
 */
export { buildApiServer, SNAPSHOT_PATH, VERSION_INFO, type ApiServer, type ApiServerOptions } from './app.js';
export { StatusError, errors, type Status, type StatusReason } from './errors.js';
export {
  AUTHORIZATION_MODES,
  DEFAULT_ISSUER,
  INSECURE_AUTH,
  ServiceAccountKeys,
  signServiceAccountToken,
  verifyServiceAccountToken,
  type AuthOptions,
  type AuthorizationMode,
  type UserInfo,
} from './auth/index.js';
export {
  SnapshotError,
  folderSize,
  inspectSnapshot,
  openStore,
  restoreSnapshot,
  startCompactor,
  type RestoreResult,
  type SnapshotInfo,
  type StorageBackend,
  type StorageOptions,
  type Store,
} from './storage-backend.js';
export { ADMISSION_PLUGINS, POD_SECURITY_LEVELS, enabledPlugins, type AdmissionOptions, type PodSecurityLevel } from './admission/index.js';
export { AUDIT_LEVELS, loadPolicyFile, type AuditLevel, type AuditOptions } from './audit/index.js';
