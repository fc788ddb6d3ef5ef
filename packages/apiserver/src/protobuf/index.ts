/**
 * Decoding of Kubernetes protobuf request bodies.
 *
 * kubectl's generators (`kubectl create configmap|secret|deployment|...`,
 * `kubectl autoscale`) POST `application/vnd.kubernetes.protobuf`: the magic
 * `k8s\0`, then a runtime.Unknown whose `raw` holds the object. This module
 * turns such a body into the Kubernetes JSON object the rest of the API server
 * handles; responses stay JSON (kubectl's Accept allows it).
 *
 * @example
 * ```ts
 * import { PROTOBUF_CONTENT_TYPE, ProtobufDecodeError, decodeKubernetesProtobuf } from './protobuf/index.js';
 *
 * app.addContentTypeParser(PROTOBUF_CONTENT_TYPE, { parseAs: 'buffer' }, (_req, body, done) => {
 *   try {
 *     done(null, decodeKubernetesProtobuf(body as Buffer));
 *   } catch (err) {
 *     done(err as ProtobufDecodeError); // map to 415 when err.unsupportedKind, else 400
 *   }
 * });
 * ```
 */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

export { ProtobufDecodeError } from './errors.js';
export { decodeKubernetesProtobuf } from './decode.js';
