/**
 * Thrown by decodeKubernetesProtobuf when a request body cannot be turned
 * into a Kubernetes object: the `k8s\0` magic is missing, the bytes are
 * truncated or malformed, the envelope lacks apiVersion/kind, or the
 * apiVersion/kind is not one this server can decode (the message names it).
 * Callers answer it with 415 (unsupported kind) or 400 (malformed body).
 */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';

  constructor(
    message: string,
    /** True when the bytes were well formed but the apiVersion/kind is not supported. */
    readonly unsupportedKind = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
