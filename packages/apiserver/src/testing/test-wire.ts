import protobuf from 'protobufjs';

/**
 * Test-only protobuf writer that builds Kubernetes wire bytes by field number,
 * independently of the decoder's schema: tests state the numbers from
 * Kubernetes' generated.proto themselves, so a wrong number in the schema
 * shows up as a failing test instead of agreeing with itself.
 */
export type Part = (writer: protobuf.Writer) => void;

const VARINT = 0;
const LEN = 2;

const tag = (w: protobuf.Writer, field: number, wire: number): protobuf.Writer => w.uint32((field << 3) | wire);

/** A string (or Quantity's inner string) field. */
export const str =
  (field: number, value: string): Part =>
  (w) => {
    tag(w, field, LEN).string(value);
  };

/** An int32/int64 varint field (negative values use 10-byte two's complement, as Go does). */
export const int =
  (field: number, value: number): Part =>
  (w) => {
    tag(w, field, VARINT).int64(value);
  };

export const bool =
  (field: number, value: boolean): Part =>
  (w) => {
    tag(w, field, VARINT).bool(value);
  };

export const bytes =
  (field: number, value: Uint8Array): Part =>
  (w) => {
    tag(w, field, LEN).bytes(value);
  };

/** A nested message field; `msg(n)` with no parts is a present, empty message. */
export const msg =
  (field: number, ...parts: Part[]): Part =>
  (w) => {
    tag(w, field, LEN).fork();
    for (const part of parts) part(w);
    w.ldelim();
  };

/** One map entry (key 1, value 2); repeat for more entries. */
export const entry = (field: number, key: string, value: (field: number) => Part): Part => msg(field, str(1, key), value(2));

/** Quantity: a message whose field 1 is the string form. */
export const quantity = (field: number, value: string): Part => msg(field, str(1, value));

/** IntOrString: type 0 + intVal (2), or type 1 + strVal (3). */
export const intOrString = (field: number, value: number | string): Part =>
  typeof value === 'number' ? msg(field, int(1, 0), int(2, value), str(3, '')) : msg(field, int(1, 1), int(2, 0), str(3, value));

export function encode(...parts: Part[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const part of parts) part(writer);
  return writer.finish();
}

/** `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}. */
export function envelope(apiVersion: string, kind: string, ...object: Part[]): Uint8Array {
  const unknown = encode(msg(1, str(1, apiVersion), str(2, kind)), bytes(2, encode(...object)), str(3, ''), str(4, ''));
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

/** ObjectMeta as gogo writes it for a new object: every value field present, mostly empty. */
export const newObjectMeta = (field: number, name: string, ...extra: Part[]): Part =>
  msg(field, str(1, name), str(2, ''), str(3, ''), str(4, ''), str(5, ''), str(6, ''), int(7, 0), msg(8), ...extra);
