/**
 * Field selectors (`?fieldSelector=spec.nodeName=node-1,status.phase!=Failed`): parsing with
 * Kubernetes' escaping rules and matching against an object's selectable fields. Which
 * fields a kind has is the API server's business (its resource definitions).
 *
 * ```ts
 * const sel = parseFieldSelector('spec.nodeName=node-1');
 * unsupportedFieldLabels(['metadata.name', 'spec.nodeName'], sel); // []
 * sel.matches({ 'spec.nodeName': 'node-1' }); // true
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

/**
 * The selector's fields not in `supported` (a kind's field labels), each once, in selector
 * order. The API server answers 400 with `field label not supported: <label>` for the first.
 */
export function unsupportedFieldLabels(supported: readonly string[], selector: FieldSelector): string[] {
  const known = new Set(supported);
  const out: string[] = [];
  for (const r of selector.requirements()) if (!known.has(r.field) && !out.includes(r.field)) out.push(r.field);
  return out;
}

/** Kubernetes' message for an unsupported field label. */
export function fieldLabelNotSupportedMessage(label: string): string {
  return `field label not supported: ${label}`;
}
