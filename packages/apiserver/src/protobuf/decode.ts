import type { Message } from 'protobufjs';
import { decodeEnvelope } from './envelope.js';
import { ProtobufDecodeError } from './errors.js';
import { messageNameFor } from './kinds.js';
import { messageType } from './schema.js';
import { messageToJson } from './to-json.js';
import { errorMessage } from '@mk8s/api';

/**
 * Decodes a `application/vnd.kubernetes.protobuf` request body into the JSON
 * object the API server works with, `apiVersion` and `kind` first (taken from
 * the envelope, as the object message itself carries no TypeMeta).
 *
 * Pure and synchronous; safe to call concurrently. Throws ProtobufDecodeError
 * for bad magic, truncated or malformed bytes, and unsupported apiVersion/kind
 * (`unsupportedKind` set, message naming the kind).
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  const { apiVersion, kind, raw } = decodeEnvelope(body);
  const name = messageNameFor(apiVersion, kind);
  if (!name) {
    throw new ProtobufDecodeError(`protobuf decoding of ${kind} (${apiVersion}) is not supported; send JSON`, true);
  }
  const type = messageType(name);
  let message: Message;
  try {
    message = type.decode(raw);
  } catch (err) {
    throw new ProtobufDecodeError(`malformed protobuf ${kind}: ${errorMessage(err)}`, false, { cause: err });
  }
  return { apiVersion, kind, ...messageToJson(type, message) };
}
