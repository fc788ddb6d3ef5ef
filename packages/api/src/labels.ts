/**
 * Label selectors: the `?labelSelector=` string syntax and metav1.LabelSelector objects,
 * with Kubernetes' parsing rules, validation, error wording and canonical string form.
 *
 * ```ts
 * const sel = parseLabelSelector('app=web,tier in (front, back),!canary');
 * sel.matches({ app: 'web', tier: 'front' }); // true
 * sel.toString(); // "!canary,app=web,tier in (back,front)"
 * ```
 *
 * Selectors are immutable values; `matches` is pure and cheap (no allocation).
 */
import { isQualifiedName, isValidLabelValue } from './validation/names.js';

/** Kubernetes' selection.Operator values. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Values in the order given (the string form sorts them). Empty for exists / '!'. */
  readonly values: readonly string[];
}

export interface Selector {
  /** Whether every requirement holds for these labels (missing labels count as absent). */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** True when the selector does not restrict anything (matches every object). */
  empty(): boolean;
  /** The requirements, sorted by key. Empty for both Everything and Nothing. */
  requirements(): readonly Requirement[];
  /** Kubernetes' canonical string form ("" for Everything and Nothing). */
  toString(): string;
  /** The single value a label must have for the selector to match, if it pins one (index lookups). */
  requiresExactMatch(key: string): string | undefined;
}

/** A malformed selector string or invalid LabelSelector object; `message` is Kubernetes' wording. */
export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

function hasValue(r: Requirement, value: string): boolean {
  return r.values.includes(value);
}

/** strconv.ParseInt(s, 10, 64) semantics: optional sign, decimal digits, int64 range. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n;
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && hasValue(r, labels[r.key] ?? '');
    case 'notin':
    case '!=':
      return !has || !hasValue(r, labels[r.key] ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInt64(labels[r.key] ?? '');
      const wanted = parseInt64(r.values[0] ?? '');
      if (actual === undefined || wanted === undefined) return false;
      return r.operator === 'gt' ? actual > wanted : actual < wanted;
    }
  }
}

function sortedValues(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${sortedValues(r.values).join(',')})`;
    case 'gt':
      return `${r.key}>${sortedValues(r.values).join(',')}`;
    case 'lt':
      return `${r.key}<${sortedValues(r.values).join(',')}`;
    default:
      return `${r.key}${r.operator}${sortedValues(r.values).join(',')}`;
  }
}

class RequirementsSelector implements Selector {
  readonly #reqs: readonly Requirement[];

  constructor(reqs: readonly Requirement[]) {
    this.#reqs = reqs;
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const set = labels ?? {};
    for (const r of this.#reqs) if (!requirementMatches(r, set)) return false;
    return true;
  }

  empty(): boolean {
    return this.#reqs.length === 0;
  }

  requirements(): readonly Requirement[] {
    return this.#reqs;
  }

  toString(): string {
    return this.#reqs.map(requirementString).join(',');
  }

  requiresExactMatch(key: string): string | undefined {
    for (const r of this.#reqs) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }
}

class NothingSelector implements Selector {
  matches(): boolean {
    return false;
  }
  empty(): boolean {
    return false;
  }
  requirements(): readonly Requirement[] {
    return [];
  }
  toString(): string {
    return '';
  }
  requiresExactMatch(): string | undefined {
    return undefined;
  }
}

/** Matches every object. */
export const Everything: Selector = new RequirementsSelector([]);
/** Matches no object (what a null LabelSelector means). */
export const Nothing: Selector = new NothingSelector();

/** Whether `selector` is the match-nothing selector. */
export function isNothing(selector: Selector): boolean {
  return selector instanceof NothingSelector;
}

function byKey(reqs: Requirement[]): Requirement[] {
  // Array.prototype.sort is stable, so equal keys keep their given order.
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Renders a value list the way Go prints a []string in messages: `[]string{"a", "b"}`. */
function goStrings(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

function aggregate(errors: string[]): string | undefined {
  if (errors.length === 0) return undefined;
  return errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
}

/**
 * Builds a validated requirement (Kubernetes' NewRequirement); throws with the
 * aggregated field errors, e.g. `values[0][app]: Invalid value: "a b": ...`.
 */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): Requirement {
  const errors: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errors.push(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errors.push(`values: Invalid value: ${goStrings(values)}: for 'in', 'notin' operators, values set can't be empty`);
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errors.push(`values: Invalid value: ${goStrings(values)}: exact-match compatibility requires one single value`);
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errors.push(`values: Invalid value: ${goStrings(values)}: values set must be empty for exists and does not exist`);
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errors.push(`values: Invalid value: ${goStrings(values)}: for 'Gt', 'Lt' operators, exactly one value is required`);
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errors.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
        }
      });
      break;
    default: {
      const supported = ['in', 'notin', '=', '==', '!=', 'gt', 'lt', 'exists', '!'].map((s) => JSON.stringify(s)).join(', ');
      errors.push(`operator: Unsupported value: ${JSON.stringify(operator)}: supported values: ${supported}`);
    }
  }
  values.forEach((v, i) => {
    const errs = isValidLabelValue(v);
    if (errs.length > 0) errors.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
  });
  const message = aggregate(errors);
  if (message !== undefined) throw new SelectorParseError(message);
  return { key, operator, values: [...values] };
}

// ---- string syntax -------------------------------------------------------

type Token = 'error' | 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'identifier' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item {
  token: Token;
  literal: string;
}

const LITERAL_TOKENS: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return '=!(),><'.includes(ch);
}

/** Tokenizes like Kubernetes' label selector lexer (longest operator match, keywords in/notin). */
function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos] ?? '')) pos++;
    if (pos >= s.length) {
      items.push({ token: 'end', literal: '' });
      return items;
    }
    const ch = s[pos] ?? '';
    if (isSpecialSymbol(ch)) {
      let buffer = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecialSymbol(s[pos] ?? '')) {
        const next = buffer + s[pos];
        const token = LITERAL_TOKENS.get(next);
        if (token !== undefined) {
          buffer = next;
          last = { token, literal: next };
          pos++;
        } else if (last !== undefined) {
          break;
        } else {
          buffer = next;
          pos++;
        }
      }
      items.push(last ?? { token: 'error', literal: `error expected: keyword found '${buffer}'` });
    } else {
      const start = pos;
      while (pos < s.length && !isSpecialSymbol(s[pos] ?? '') && !isWhitespace(s[pos] ?? '')) pos++;
      const word = s.slice(start, pos);
      const token = LITERAL_TOKENS.get(word);
      items.push({ token: token ?? 'identifier', literal: word });
    }
  }
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  #items: Item[];
  #pos = 0;

  constructor(input: string) {
    this.#items = lex(input);
  }

  /** In value context the keywords in/notin are plain identifiers. */
  #peek(valueContext: boolean): Item {
    const item = this.#items[this.#pos] ?? { token: 'end', literal: '' };
    if (valueContext && (item.token === 'in' || item.token === 'notin')) return { token: 'identifier', literal: item.literal };
    return item;
  }

  #next(valueContext: boolean): Item {
    const item = this.#peek(valueContext);
    this.#pos++;
    return item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { token, literal } = this.#peek(true);
      if (token === 'end') return reqs;
      if (token !== 'identifier' && token !== '!') {
        throw new SelectorParseError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        reqs.push(this.#requirement());
      } catch (e) {
        if (e instanceof SelectorParseError) throw new SelectorParseError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const after = this.#next(true);
      if (after.token === 'end') return reqs;
      if (after.token !== ',') {
        throw new SelectorParseError(`found '${after.literal}', expected: ',' or 'end of string'`);
      }
      const following = this.#peek(true);
      if (following.token !== 'identifier' && following.token !== '!') {
        throw new SelectorParseError(`found '${following.literal}', expected: identifier after ','`);
      }
    }
  }

  #requirement(): Requirement {
    let item = this.#next(true);
    let negated = false;
    if (item.token === '!') {
      negated = true;
      item = this.#next(true);
    }
    if (item.token !== 'identifier') throw new SelectorParseError(`found '${item.literal}', expected: identifier`);
    const key = item.literal;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) {
      throw new SelectorParseError(`<nil>: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
    }
    const lookahead = this.#peek(true).token;
    if (negated || lookahead === 'end' || lookahead === ',') {
      if (negated) return newRequirement(key, '!', []);
      return newRequirement(key, 'exists', []);
    }
    const op = this.#operator();
    const values = op === 'in' || op === 'notin' ? this.#valueSet() : this.#exactValue();
    return newRequirement(key, op, values);
  }

  #operator(): LabelOperator {
    const { token, literal } = this.#next(false);
    switch (token) {
      case 'in':
        return 'in';
      case 'notin':
        return 'notin';
      case '=':
        return '=';
      case '==':
        return '==';
      case '!=':
        return '!=';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorParseError(`found '${literal}', expected: ${BINARY_OPERATORS}`);
    }
  }

  /** `( v1, v2 )`, returned sorted and de-duplicated as Kubernetes' string set does. */
  #valueSet(): string[] {
    const open = this.#next(true);
    if (open.token !== '(') throw new SelectorParseError(`found '${open.literal}' expected: '('`);
    const first = this.#peek(true);
    const values = new Set<string>();
    if (first.token === ')') {
      this.#next(true);
      values.add('');
      return [...values];
    }
    if (first.token !== 'identifier' && first.token !== ',') {
      throw new SelectorParseError(`found '${first.literal}', expected: ',', ')' or identifier`);
    }
    for (;;) {
      const item = this.#next(true);
      if (item.token === 'identifier') {
        values.add(item.literal);
        const after = this.#peek(true);
        if (after.token === ',') continue;
        if (after.token === ')') break;
        throw new SelectorParseError(`found '${after.literal}', expected: ',' or ')'`);
      } else if (item.token === ',') {
        if (values.size === 0) values.add('');
        const after = this.#peek(true);
        if (after.token === ')') {
          values.add('');
          break;
        }
        if (after.token === ',') {
          this.#next(true);
          values.add('');
        }
      } else {
        throw new SelectorParseError(`found '${item.literal}', expected: ',', or identifier`);
      }
    }
    const close = this.#next(true);
    if (close.token !== ')') throw new SelectorParseError(`found '${first.literal}', expected: ')'`);
    return sortedValues([...values]);
  }

  #exactValue(): string[] {
    const next = this.#peek(true);
    if (next.token === 'end' || next.token === ',') return [''];
    const item = this.#next(true);
    if (item.token === 'identifier') return [item.literal];
    throw new SelectorParseError(`found '${item.literal}', expected: identifier`);
  }
}

/**
 * Parses the string syntax (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * `a>1`, `a<1`; comma is AND). Throws `SelectorParseError` with Kubernetes' message.
 */
export function parseLabelSelector(s: string): Selector {
  return new RequirementsSelector(byKey(new Parser(s).parse()));
}

/** A selector requiring each label of `set` to equal its value; an empty set matches everything. */
export function selectorFromSet(set: Readonly<Record<string, string>> | null | undefined): Selector {
  if (!set) return Everything;
  const reqs = Object.entries(set).map(([key, value]): Requirement => ({ key, operator: '=', values: [value] }));
  return reqs.length === 0 ? Everything : new RequirementsSelector(byKey(reqs));
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

const EXPRESSION_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined matches nothing, `{}` matches
 * everything. Throws `SelectorParseError` for unknown operators or invalid keys/values.
 */
export function selectorFromLabelSelector(ls: LabelSelector | null | undefined): Selector {
  if (ls === null || ls === undefined) return Nothing;
  const matchLabels = ls.matchLabels ?? {};
  const expressions = ls.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + expressions.length === 0) return Everything;
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(matchLabels)) reqs.push(newRequirement(key, '=', [value]));
  for (const expr of expressions) {
    const op = Object.hasOwn(EXPRESSION_OPERATORS, expr.operator) ? EXPRESSION_OPERATORS[expr.operator] : undefined;
    if (op === undefined) throw new SelectorParseError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return new RequirementsSelector(byKey(reqs));
}
