/**
 * Kubernetes resource quantities ("100m", "1.5", "64Mi", "1e3"): exact fixed-point
 * numbers that remember the notation family they were written in.
 *
 * Contract (mirrors apimachinery's resource.Quantity):
 * - parsing never goes through floating point; values are a bigint times a power of ten;
 * - precision is kept down to nano units: a finer non-zero value rounds away from zero
 *   ("0.1n" is "1n");
 * - a binary-suffixed quantity is capped at 2^63-1, as Kubernetes does;
 * - `toString()` gives Kubernetes' canonical form in the original family
 *   ("1.5" -> "1500m", "1.5Gi" -> "1536Mi", "1e3" -> "1e3"), and keeps the input
 *   text verbatim when Kubernetes would (an already canonical input);
 * - instances are immutable: `add`/`sub` return new quantities.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_WRONG = "unable to parse quantity's suffix";

/** Thrown by `parseQuantity` with Kubernetes' own messages (format, numeric part, suffix). */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map([...DECIMAL_SUFFIXES].map(([suffix, exp]) => [exp, suffix]));
const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const BINARY_SUFFIX_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

const NANO = -9;
const MAX_INT64 = (1n << 63n) - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function digitCount(n: bigint): number {
  return n === 0n ? 0 : abs(n).toString().length;
}

/** Divides rounding away from zero (Kubernetes' "round up"); `divisor` > 0. */
function divAwayFromZero(n: bigint, divisor: bigint): bigint {
  const q = n / divisor;
  if (q * divisor === n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

/** An exact decimal: `unscaled * 10^scale`. */
interface Decimal {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** Rounds a decimal away from zero so it has no digits finer than 10^minScale. */
function roundToScale(d: Decimal, minScale: number): { value: Decimal; exact: boolean } {
  if (d.scale >= minScale || d.unscaled === 0n) return { value: d, exact: true };
  const shift = minScale - d.scale;
  // Every digit is below the target precision: the result is one unit (or exact zero).
  if (shift > digitCount(d.unscaled)) {
    return { value: { unscaled: d.unscaled < 0n ? -1n : 1n, scale: minScale }, exact: false };
  }
  const divisor = pow10(shift);
  const rounded = divAwayFromZero(d.unscaled, divisor);
  return { value: { unscaled: rounded, scale: minScale }, exact: rounded * divisor === d.unscaled };
}

function alignScales(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.min(a.scale, b.scale);
  return [a.unscaled * pow10(a.scale - scale), b.unscaled * pow10(b.scale - scale), scale];
}

function compareDecimals(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const sa = a.unscaled === 0n ? 0 : a.unscaled < 0n ? -1 : 1;
  const sb = b.unscaled === 0n ? 0 : b.unscaled < 0n ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  // Same sign: compare magnitudes by order first, so huge exponents never expand.
  const ma = digitCount(a.unscaled) + a.scale;
  const mb = digitCount(b.unscaled) + b.scale;
  if (ma !== mb) {
    const larger = ma > mb ? 1 : -1;
    return (sa > 0 ? larger : -larger) as -1 | 1;
  }
  const [x, y] = alignScales(a, b);
  return x === y ? 0 : x < y ? -1 : 1;
}

interface Scanned {
  negative: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** Splits `[sign]digits[.digits]suffix` the way Kubernetes' scanner does (lenient on "1." and "."). */
function scan(str: string): Scanned {
  let pos = 0;
  const end = str.length;
  let negative = false;
  if (str[0] === '-') {
    negative = true;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { negative, num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos) || '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos] ?? '')) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(FORMAT_WRONG);
  return { negative, num, denom, suffix: str.slice(suffixStart) };
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function interpretSuffix(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  const dec = DECIMAL_SUFFIXES.get(suffix);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES.get(suffix);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const rest = suffix.slice(1);
    if (/^[+-]?[0-9]+$/.test(rest)) {
      const exponent = Number(rest);
      if (Number.isSafeInteger(exponent) && exponent >= INT32_MIN && exponent <= INT32_MAX) {
        return { base: 10, exponent, format: 'DecimalExponent' };
      }
    }
  }
  throw new QuantityError(SUFFIX_WRONG);
}

/**
 * Whether Kubernetes would keep the input text as the quantity's string form: it does so
 * when its int64 fast path applies and the text is already canonical.
 */
function keepsInputText(digits: string, denomLength: number, numLength: number, base: 2 | 10, exponent: number): boolean {
  let scale: number;
  if (base === 10) {
    if (18 - (numLength + denomLength) < 0) return false;
    scale = exponent - denomLength;
  } else {
    if (exponent < 0 || denomLength !== 0) return false;
    if (15 - numLength - Math.trunc((exponent * 3) / 10) - 1 < 0) return false;
    scale = 0;
  }
  if (scale < NANO) return false;
  const value = BigInt(digits);
  const mantissa = base === 2 ? 1n << BigInt(exponent) : 1n;
  if (value > MAX_INT64 || value * mantissa > MAX_INT64) return false;
  if (base === 2) return exponent % 10 === 0 && (value & 7n) !== 0n;
  return scale % 3 === 0 && !digits.endsWith('000') && digits[0] !== '0';
}

export class Quantity {
  readonly format: QuantityFormat;
  readonly #value: Decimal;
  /** The text to print instead of the canonical form (an already canonical input). */
  readonly #text: string | undefined;

  private constructor(value: Decimal, format: QuantityFormat, text?: string) {
    this.#value = value;
    this.format = format;
    this.#text = text;
  }

  /** `value` whole units (e.g. bytes, cores). */
  static fromInt(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity({ unscaled: toBigInt(value), scale: 0 }, format);
  }

  /** `milli` thousandths of a unit, e.g. `fromMilli(250)` is "250m". */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity({ unscaled: toBigInt(milli), scale: -3 }, format);
  }

  /** Same as `parseQuantity`. */
  static parse(input: string | number): Quantity {
    let str: string;
    if (typeof input === 'number') {
      if (!Number.isFinite(input)) throw new QuantityError(FORMAT_WRONG);
      str = String(input);
    } else {
      str = input;
    }
    if (str.length === 0) throw new QuantityError(FORMAT_WRONG);
    if (str === '0') return new Quantity({ unscaled: 0n, scale: 0 }, 'DecimalSI', '0');

    const { negative, num, denom, suffix } = scan(str);
    const { base, exponent, format: parsedFormat } = interpretSuffix(suffix);
    const digits = num + denom;
    const magnitude: Decimal =
      base === 10 ? { unscaled: BigInt(digits), scale: exponent - denom.length } : { unscaled: BigInt(digits) << BigInt(exponent), scale: -denom.length };
    const text = keepsInputText(digits, denom.length, num.length, base, exponent) ? str : undefined;

    let { value } = roundToScale(magnitude, NANO);
    let format = parsedFormat;
    if (format === 'BinarySI') {
      if (compareDecimals(value, { unscaled: MAX_INT64, scale: 0 }) > 0) value = { unscaled: MAX_INT64, scale: 0 };
      if (value.unscaled !== 0n && compareDecimals(value, { unscaled: 1n, scale: 0 }) < 0) format = 'DecimalSI';
    }
    if (negative) value = { unscaled: -value.unscaled, scale: value.scale };
    return new Quantity(value, format, text);
  }

  isZero(): boolean {
    return this.#value.unscaled === 0n;
  }

  sign(): -1 | 0 | 1 {
    const u = this.#value.unscaled;
    return u === 0n ? 0 : u < 0n ? -1 : 1;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return compareDecimals(this.#value, other.#value);
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** The sum; a zero receiver takes the other operand's format (as Kubernetes' Add). */
  add(other: Quantity): Quantity {
    const [a, b, scale] = alignScales(this.#value, other.#value);
    return new Quantity({ unscaled: a + b, scale }, this.isZero() ? other.format : this.format);
  }

  /** The difference; a zero receiver takes the other operand's format (as Kubernetes' Sub). */
  sub(other: Quantity): Quantity {
    const [a, b, scale] = alignScales(this.#value, other.#value);
    return new Quantity({ unscaled: a - b, scale }, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity({ unscaled: -this.#value.unscaled, scale: this.#value.scale }, this.format);
  }

  /** ceil(q * 10^-scale) away from zero, as a bigint: `scaledValue(-3)` is the milli value. */
  scaledValue(scale: number): bigint {
    const { unscaled, scale: s } = this.#value;
    if (s >= scale) return unscaled * pow10(s - scale);
    return roundToScale(this.#value, scale).value.unscaled;
  }

  /** The value in whole units, rounded up away from zero (Kubernetes' Value()). */
  value(): number {
    return Number(this.scaledValue(0));
  }

  /** The value in thousandths, rounded up away from zero (Kubernetes' MilliValue()). */
  milliValue(): number {
    return Number(this.scaledValue(-3));
  }

  /** An approximate floating-point value, for ratios and display only. */
  toNumber(): number {
    const { unscaled, scale } = this.#value;
    return Number(unscaled) * 10 ** scale;
  }

  toString(): string {
    return this.#text ?? this.canonical();
  }

  toJSON(): string {
    return this.toString();
  }

  /** The canonical form, ignoring any preserved input text. */
  canonical(): string {
    if (this.isZero()) return '0';
    let format = this.format;
    let whole: bigint | undefined;
    if (format === 'BinarySI') {
      const lo = compareDecimals(this.#value, { unscaled: -1024n, scale: 0 }) > 0;
      const hi = compareDecimals(this.#value, { unscaled: 1024n, scale: 0 }) < 0;
      if (lo && hi) {
        format = 'DecimalSI';
      } else {
        const rounded = roundToScale(this.#value, 0);
        if (rounded.exact) whole = rounded.value.unscaled * pow10(rounded.value.scale);
        else format = 'DecimalSI';
      }
    }
    if (format === 'BinarySI' && whole !== undefined) {
      let power = 0;
      while (power < 6 && whole % 1024n === 0n) {
        whole /= 1024n;
        power++;
      }
      return `${whole}${BINARY_SUFFIX_BY_POWER[power] ?? ''}`;
    }
    // Decimal: strip factors of ten, then lower the exponent to a multiple of three.
    let { unscaled, scale } = this.#value;
    while (unscaled % 10n === 0n) {
      unscaled /= 10n;
      scale++;
    }
    while (scale % 3 !== 0) {
      unscaled *= 10n;
      scale--;
    }
    if (format === 'DecimalSI') {
      const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(scale);
      if (suffix !== undefined) return `${unscaled}${suffix}`;
    }
    return scale === 0 ? `${unscaled}` : `${unscaled}e${scale}`;
  }
}

function toBigInt(value: number | bigint): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw new QuantityError(`not an integer: ${value}`);
  return BigInt(value);
}

/**
 * Parses a quantity as Kubernetes does when decoding JSON: a string, or a JSON number
 * (whose text is used). Throws `QuantityError` on malformed input.
 */
export function parseQuantity(input: string | number): Quantity {
  return Quantity.parse(input);
}

/** Whether `input` parses as a quantity. */
export function isQuantity(input: unknown): boolean {
  if (typeof input !== 'string' && typeof input !== 'number') return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}
