import type { Message } from 'protobufjs';
import { ProtobufDecodeError } from './errors.js';
import { messageType } from './schema.js';
import { errorMessage } from '@mk8s/api';

/** The 4 bytes every Kubernetes protobuf body starts with: `k8s\0`. */
export const PROTOBUF_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** The unwrapped `runtime.Unknown` envelope. */
export interface ProtobufEnvelope {
  apiVersion: string;
  kind: string;
  /** The object's own message bytes (empty for an object with no fields set). */
  raw: Uint8Array;
}

/**
 * Checks the magic and decodes the runtime.Unknown that follows it. Throws
 * ProtobufDecodeError on a bad magic, malformed bytes, a missing
 * apiVersion/kind, or a content encoding other than none.
 */
export function decodeEnvelope(body: Uint8Array): ProtobufEnvelope {
  if (body.byteLength < PROTOBUF_MAGIC.length || !PROTOBUF_MAGIC.every((byte, i) => body[i] === byte)) {
    throw new ProtobufDecodeError('not a Kubernetes protobuf body: missing the k8s\\0 prefix');
  }
  const unknownType = messageType('k8s.io.apimachinery.pkg.runtime.Unknown');
  let unknown: Message;
  try {
    unknown = unknownType.decode(body.subarray(PROTOBUF_MAGIC.length));
  } catch (err) {
    throw new ProtobufDecodeError(`malformed protobuf envelope: ${errorMessage(err)}`, false, { cause: err });
  }
  const fields = unknown as unknown as {
    typeMeta?: { apiVersion?: string; kind?: string } | null;
    raw?: Uint8Array | null;
    contentEncoding?: string;
  };
  const apiVersion = fields.typeMeta?.apiVersion ?? '';
  const kind = fields.typeMeta?.kind ?? '';
  if (!apiVersion || !kind) {
    throw new ProtobufDecodeError('protobuf envelope has no apiVersion/kind');
  }
  if (fields.contentEncoding) {
    throw new ProtobufDecodeError(`unsupported protobuf contentEncoding "${fields.contentEncoding}"`);
  }
  return { apiVersion, kind, raw: fields.raw ?? new Uint8Array(0) };
}
