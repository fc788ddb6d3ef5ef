/**
 * Response format negotiation. kubectl asks for server-side tables with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io, application/json`;
 * garbage collectors and metadata informers ask for metadata only with
 * `as=PartialObjectMetadata` (one object, watch events) or
 * `as=PartialObjectMetadataList` (lists); everything else gets plain JSON.
 * Protobuf is not spoken: a client that accepts only protobuf gets 406.
 */
export interface Negotiated {
  table: boolean;
  /** `includeObject` for tables: None, Metadata (default) or Object. */
  includeObject: 'None' | 'Metadata' | 'Object';
  /** Metadata only: the kind the client asked for (meta.k8s.io v1 or v1beta1). */
  metadataOnly?: { kind: 'PartialObjectMetadata' | 'PartialObjectMetadataList'; apiVersion: string };
}

/** What a 406 says the server produces. */
export const ACCEPTED_MEDIA_TYPES =
  'application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      const p: Record<string, string> = {};
      for (const kv of params) {
        const eq = kv.indexOf('=');
        if (eq > 0) p[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim();
      }
      return { type: type.toLowerCase(), params: p };
    })
    .filter((m) => m.type !== '');
}

/** Returns undefined when no acceptable JSON form was asked for. */
export function negotiate(accept: string | undefined, includeObject: unknown): Negotiated | undefined {
  const io = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
  if (!accept) return { table: false, includeObject: io };
  for (const m of parseAccept(accept)) {
    const json = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    if (!json) continue;
    const meta = m.params['g'] === 'meta.k8s.io' && (m.params['v'] === 'v1' || m.params['v'] === 'v1beta1');
    if (m.params['as'] === 'Table') {
      if (meta) return { table: true, includeObject: io };
      continue;
    }
    if (m.params['as'] === 'PartialObjectMetadata' || m.params['as'] === 'PartialObjectMetadataList') {
      if (meta) return { table: false, includeObject: io, metadataOnly: { kind: m.params['as'], apiVersion: `meta.k8s.io/${m.params['v']}` } };
      continue;
    }
    if (m.params['as'] === undefined) return { table: false, includeObject: io };
  }
  return undefined;
}

/** An object's PartialObjectMetadata: its metadata under meta.k8s.io's kind. */
export function partialObject(obj: Record<string, unknown>, apiVersion: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: obj['metadata'] ?? {} };
}
