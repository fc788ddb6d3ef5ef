/**
 * @mk8s/runtime-docker: a CRI runtime service implemented with dockerode
 * ("dockershim"). Serve it with @mk8s/cri's `serveCri(new DockerRuntime(), socket)`.
 */
export { DockerRuntime, DEFAULT_SANDBOX_IMAGE, RUNTIME_NAME, RUNTIME_VERSION, CRI_API_VERSION } from './docker-runtime.js';
export type { DockerRuntimeOptions } from './docker-runtime.js';
export type { RuntimeEvent, RuntimeEventType, EventsOptions } from './events.js';
export { ImagePullError } from './images.js';
export { cleanupByLabel } from './cleanup.js';
export { connectDocker } from './docker-errors.js';
export type { DockerConnectOptions } from './docker-errors.js';
export { toCriLogEntries } from './cri-log-format.js';
export {
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_CONTAINER_NAME,
  LABEL_TYPE,
  LABEL_SANDBOX_ID,
  LABEL_ATTEMPT,
  TYPE_SANDBOX,
  TYPE_CONTAINER,
} from './labels.js';
