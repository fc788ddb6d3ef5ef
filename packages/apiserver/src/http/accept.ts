/**
 * Response format negotiation. kubectl asks for server-side tables with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io, application/json`;
 * everything else gets plain JSON. Protobuf is not spoken: a client that
 * accepts only protobuf gets 406.
 */
export interface Negotiated {
  table: boolean;
  /** `includeObject` for tables: None, Metadata (default) or Object. */
  includeObject: 'None' | 'Metadata' | 'Object';
}

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
    if (m.params['as'] === 'Table') {
      if (m.params['g'] === 'meta.k8s.io' && (m.params['v'] === 'v1' || m.params['v'] === 'v1beta1')) return { table: true, includeObject: io };
      continue;
    }
    if (m.params['as'] === undefined) return { table: false, includeObject: io };
  }
  return undefined;
}
