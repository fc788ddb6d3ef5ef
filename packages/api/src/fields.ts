/**
 * Field selectors (`?fieldSelector=spec.nodeName=node-1,status.phase!=Failed`): parsing with
 * Kubernetes' escaping rules, matching against an object's selectable fields, and the
 * per-kind field labels the API server accepts.
 *
 * ```ts
 * const sel = parseFieldSelector('spec.nodeName=node-1');
 * unsupportedFieldLabels('Pod', sel); // []
 * sel.matches(objectFields('Pod', pod));
 * ```
 */

export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  /** Whether all terms hold; a field missing from `fields` has the value "". */
  matches(fields: Readonly<Record<string, string>>): boolean;
  requirements(): readonly FieldRequirement[];
  /** True when the selector has no terms (matches everything). */
  empty(): boolean;
  /** Kubernetes' string form: terms in parse order, values re-escaped. */
  toString(): string;
  /** The value `field` must equal for the selector to match, if one term pins it. */
  requiresExactMatch(field: string): string | undefined;
}

/** A malformed field selector; `message` is Kubernetes' wording. */
export class FieldSelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorParseError';
  }
}

/** Escapes `\`, `,` and `=` so an arbitrary string can be a field selector value. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (ch) => `\\${ch}`);
}

/** Reverses `escapeFieldValue`; unescaped `,`/`=` and unknown escapes are errors. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const ch of s) {
    if (inSlash) {
      if (ch !== '\\' && ch !== ',' && ch !== '=') {
        throw new FieldSelectorParseError(`invalid field selector: invalid escape sequence: \\${ch}`);
      }
      out += ch;
      inSlash = false;
      continue;
    }
    if (ch === '\\') inSlash = true;
    else if (ch === ',' || ch === '=') {
      // Kubernetes prints the rune's code point here.
      throw new FieldSelectorParseError(`invalid field selector: unescaped character in value: ${ch.codePointAt(0)}`);
    } else out += ch;
  }
  if (inSlash) throw new FieldSelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not backslash-escaped, keeping the escapes in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (inSlash) inSlash = false;
    else if (ch === '\\') inSlash = true;
    else if (ch === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

/** The first operator occurrence splits a term; the field name itself has no escaping. */
function splitTerm(term: string): { lhs: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

class TermsSelector implements FieldSelector {
  readonly #terms: readonly FieldRequirement[];

  constructor(terms: readonly FieldRequirement[]) {
    this.#terms = terms;
  }

  matches(fields: Readonly<Record<string, string>>): boolean {
    for (const t of this.#terms) {
      const actual = Object.hasOwn(fields, t.field) ? (fields[t.field] ?? '') : '';
      if ((actual === t.value) !== (t.operator === '=')) return false;
    }
    return true;
  }

  requirements(): readonly FieldRequirement[] {
    return this.#terms;
  }

  empty(): boolean {
    return this.#terms.length === 0;
  }

  toString(): string {
    return this.#terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
  }

  requiresExactMatch(field: string): string | undefined {
    for (const t of this.#terms) if (t.field === field && t.operator === '=') return t.value;
    return undefined;
  }
}

/** Matches every object. */
export const EverythingFields: FieldSelector = new TermsSelector([]);

/**
 * Parses `field=value`, `field==value`, `field!=value` terms joined by commas (AND).
 * Terms are sorted as Kubernetes does; empty terms are skipped.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const terms: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new FieldSelectorParseError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const value = unescapeFieldValue(split.rhs);
    terms.push({ field: split.lhs, operator: split.op === '!=' ? '!=' : '=', value });
  }
  return new TermsSelector(terms);
}

/** A selector requiring each field of `set` to equal its value. */
export function fieldSelectorFromSet(set: Readonly<Record<string, string>>): FieldSelector {
  return new TermsSelector(Object.entries(set).map(([field, value]) => ({ field, operator: '=', value })));
}

const META_NAMESPACED = ['metadata.name', 'metadata.namespace'] as const;

/** Kind -> field labels it supports, from Kubernetes' field label conversion funcs. */
const FIELD_LABELS: Readonly<Record<string, readonly string[]>> = {
  Pod: [
    ...META_NAMESPACED,
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  Node: ['metadata.name', 'spec.unschedulable'],
  Namespace: ['metadata.name', 'status.phase'],
  Event: [
    ...META_NAMESPACED,
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: [...META_NAMESPACED, 'type'],
  Service: [...META_NAMESPACED, 'spec.clusterIP', 'spec.type'],
  ReplicaSet: [...META_NAMESPACED, 'status.replicas'],
  ReplicationController: [...META_NAMESPACED, 'status.replicas'],
};

/** The field labels `kind` accepts in field selectors; every other kind gets name and namespace. */
export function fieldLabels(kind: string): readonly string[] {
  return Object.hasOwn(FIELD_LABELS, kind) ? (FIELD_LABELS[kind] ?? META_NAMESPACED) : META_NAMESPACED;
}

/**
 * The selector's fields that `kind` does not support, each once, in selector order.
 * The API server answers 400 with `field label not supported: <label>` for the first.
 */
export function unsupportedFieldLabels(kind: string, selector: FieldSelector): string[] {
  const supported = new Set(fieldLabels(kind));
  const out: string[] = [];
  for (const r of selector.requirements()) if (!supported.has(r.field) && !out.includes(r.field)) out.push(r.field);
  return out;
}

/** Kubernetes' message for an unsupported field label. */
export function fieldLabelNotSupportedMessage(label: string): string {
  return `field label not supported: ${label}`;
}

function child(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Renders a scalar as Kubernetes renders selectable fields (missing -> ""). */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

/**
 * The selectable fields of an object as strings, the way Kubernetes' registries render
 * them (booleans "true"/"false", numbers in decimal, missing values ""). Cluster-scoped
 * Node and Namespace have no metadata.namespace field.
 */
export function objectFields(kind: string, obj: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': text(child(obj, 'metadata', 'name')) };
  if (kind !== 'Node' && kind !== 'Namespace') fields['metadata.namespace'] = text(child(obj, 'metadata', 'namespace'));
  const at = (...path: string[]): string => text(child(obj, ...path));
  switch (kind) {
    case 'Pod': {
      const podIPs = child(obj, 'status', 'podIPs');
      const firstIP = Array.isArray(podIPs) ? text(child(podIPs[0], 'ip')) : '';
      fields['spec.nodeName'] = at('spec', 'nodeName');
      fields['spec.restartPolicy'] = at('spec', 'restartPolicy');
      fields['spec.schedulerName'] = at('spec', 'schedulerName');
      fields['spec.serviceAccountName'] = at('spec', 'serviceAccountName');
      fields['spec.hostNetwork'] = child(obj, 'spec', 'hostNetwork') === true ? 'true' : 'false';
      fields['status.phase'] = at('status', 'phase');
      fields['status.podIP'] = firstIP || at('status', 'podIP');
      fields['status.nominatedNodeName'] = at('status', 'nominatedNodeName');
      break;
    }
    case 'Node':
      fields['spec.unschedulable'] = child(obj, 'spec', 'unschedulable') === true ? 'true' : 'false';
      break;
    case 'Namespace':
      fields['status.phase'] = at('status', 'phase');
      break;
    case 'Event': {
      for (const f of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
        fields[`involvedObject.${f}`] = at('involvedObject', f);
      }
      fields['reason'] = at('reason');
      fields['reportingComponent'] = at('reportingComponent');
      fields['source'] = at('source', 'component') || at('reportingComponent');
      fields['type'] = at('type');
      break;
    }
    case 'Secret':
      fields['type'] = at('type');
      break;
    case 'Service':
      fields['spec.clusterIP'] = at('spec', 'clusterIP');
      fields['spec.type'] = at('spec', 'type');
      break;
    case 'ReplicaSet':
    case 'ReplicationController':
      fields['status.replicas'] = at('status', 'replicas') || '0';
      break;
  }
  return fields;
}
