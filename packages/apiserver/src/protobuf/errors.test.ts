import { describe, expect, it } from 'vitest';
import { PROTOBUF_CONTENT_TYPE, ProtobufDecodeError, decodeKubernetesProtobuf } from './index.js';
import { encode, envelope, int, msg, newObjectMeta, str } from '../testing/test-wire.js';

function decodeError(body: Uint8Array): ProtobufDecodeError {
  try {
    decodeKubernetesProtobuf(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtobufDecodeError);
    return err as ProtobufDecodeError;
  }
  throw new Error('expected decodeKubernetesProtobuf to throw');
}

describe('decodeKubernetesProtobuf errors', () => {
  const configMap = envelope('v1', 'ConfigMap', newObjectMeta(1, 'x'), msg(2, str(1, 'a'), str(2, 'b')));

  it('exports the content type kubectl sends', () => {
    expect(PROTOBUF_CONTENT_TYPE).toBe('application/vnd.kubernetes.protobuf');
  });

  it('rejects a body without the k8s\\0 magic', () => {
    expect(decodeError(new TextEncoder().encode('{"kind":"ConfigMap"}')).message).toMatch(/k8s\\0/);
    expect(decodeError(Uint8Array.of(0x6b, 0x38)).message).toMatch(/k8s\\0/);
    expect(decodeError(new Uint8Array(0)).unsupportedKind).toBe(false);
  });

  it('rejects a truncated body', () => {
    for (const cut of [6, 20, configMap.length - 3]) {
      const err = decodeError(configMap.subarray(0, cut));
      expect(err.unsupportedKind).toBe(false);
      expect(err.message).toMatch(/malformed|apiVersion/);
    }
  });

  it('rejects a truncated object inside a complete envelope', () => {
    const object = encode(newObjectMeta(1, 'x'));
    const unknown = encode(msg(1, str(1, 'v1'), str(2, 'ConfigMap')), (w) => {
      w.uint32((2 << 3) | 2).bytes(object.subarray(0, object.length - 2));
    });
    expect(decodeError(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown])).message).toMatch(/malformed protobuf ConfigMap/);
  });

  it('rejects an envelope without apiVersion or kind', () => {
    expect(decodeError(envelope('v1', '')).message).toMatch(/apiVersion\/kind/);
    expect(decodeError(envelope('', 'ConfigMap')).message).toMatch(/apiVersion\/kind/);
  });

  it('rejects unknown kinds and apiVersions, naming them', () => {
    const job = decodeError(envelope('batch/v1', 'Job', newObjectMeta(1, 'j')));
    expect(job.unsupportedKind).toBe(true);
    expect(job.message).toContain('Job');
    expect(job.message).toContain('batch/v1');
    expect(decodeError(envelope('v1', 'Frobnicator')).message).toContain('Frobnicator');
    expect(decodeError(envelope('apps/v2', 'Deployment')).message).toContain('apps/v2');
  });

  it('rejects a body whose fields have the wrong wire type', () => {
    // metadata (field 1) sent as a varint instead of a message.
    expect(decodeError(envelope('v1', 'ConfigMap', int(1, 7))).message).toMatch(/malformed protobuf ConfigMap/);
  });
});
