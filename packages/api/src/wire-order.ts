/**
 * Objects in the key order Kubernetes writes them, so a client that reads
 * raw bytes (or diffs stored objects) sees what it would see from
 * Kubernetes.
 *
 * - **Built-in kinds** are Go structs on Kubernetes' side. Encoding writes
 *   `kind`, then `apiVersion`, then each field in struct order. Here that is
 *   the schema's property order. Go maps (labels, annotations, data,
 *   resources) come out with sorted keys.
 * - **Custom resources** are unstructured maps, so every key at every level
 *   comes out sorted.
 *
 * Keys the schema does not name (preserved unknown fields) keep their place
 * after the named ones. Values are never changed, only key order.
 */
interface Node {
  properties?: Record<string, Node>;
  additionalProperties?: boolean | Node;
  items?: Node;
  [k: string]: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) define(out, k, sortedDeep(value[k]));
  return out;
}

/**
 * An own property even for `__proto__`, which plain assignment would turn
 * into a prototype change. Every other key is assigned: defineProperty is
 * several times slower and this runs for every key of every write.
 */
function define(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

function ordered(value: unknown, node: Node | undefined): unknown {
  if (Array.isArray(value)) {
    const items = isObject(node?.items) ? node.items : undefined;
    return items ? value.map((v) => ordered(v, items)) : value;
  }
  if (!isObject(value) || !node) return value;
  const out: Record<string, unknown> = {};
  if (isObject(node.properties)) {
    const props = node.properties;
    for (const k of Object.keys(props)) if (Object.hasOwn(value, k)) define(out, k, ordered(value[k], props[k]));
    for (const k of Object.keys(value)) if (!Object.hasOwn(props, k)) define(out, k, value[k]);
    return out;
  }
  if (isObject(node.additionalProperties)) {
    const element = node.additionalProperties;
    for (const k of Object.keys(value).sort()) define(out, k, ordered(value[k], element));
    return out;
  }
  return value;
}

/**
 * `obj` (a whole object of a kind) in Kubernetes' key order, per the kind's
 * `schema`; `unstructured` for custom resources. A new object; values are
 * shared with `obj`, not copied.
 */
export function inWireOrder(obj: Record<string, unknown>, schema: unknown, unstructured: boolean): Record<string, unknown> {
  let out: Record<string, unknown>;
  if (unstructured) out = sortedDeep(obj) as Record<string, unknown>;
  else {
    const body = ordered(obj, schema as Node) as Record<string, unknown>;
    out = {};
    for (const k of ['kind', 'apiVersion']) if (Object.hasOwn(body, k)) define(out, k, body[k]);
    for (const k of Object.keys(body)) if (k !== 'kind' && k !== 'apiVersion') define(out, k, body[k]);
  }
  return out;
}
