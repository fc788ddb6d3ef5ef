/**
 * @mk8s/cri: the container runtime interface, a subset of Kubernetes CRI v1
 * over gRPC (docs/runtime.md). `CriRuntime` is what every runtime
 * implements and the kubelet calls; `serveCri` puts a runtime on a unix
 * socket and `CriClient` is a runtime reached through one.
 *
 * The conformance suite imports vitest and so is not exported here: it lives
 * at src/testing/conformance/index.ts (subpath `@mk8s/cri/conformance`, test
 * code, resolved from source only and never built into dist/).
 */
export type * from './types.js';
export {
  IMAGE_SERVICE_RPCS,
  RUNTIME_SERVICE_RPCS,
  methodName,
  type CriMethod,
  type CriRpc,
  type CriRuntime,
  type ImageService,
  type ImageServiceRpc,
  type RuntimeService,
  type RuntimeServiceRpc,
} from './runtime.js';
export {
  AlreadyExistsError,
  CriError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  UnavailableError,
  UnimplementedError,
  UnknownError,
  criErrorFromCode,
  grpcCodeOf,
  isNotFound,
} from './errors.js';
export { CRI_MAX_MESSAGE_BYTES, serveCri, type CriServer, type ServeCriOptions } from './server.js';
export { CriClient, type CallOptions, type CriClientOptions } from './client.js';
export { CRI_PROTO_LOADER_OPTIONS, CRI_PROTO_PATH, loadCriServices, type CriServices } from './proto.js';
export { formatCriLogLine, formatCriLogRecords, formatCriTimestamp, parseCriLogLine, type CriLogLine, type LogStream, type LogTag } from './log-format.js';
