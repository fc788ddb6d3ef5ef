/**
 * Typed access to Kubernetes' query parameters, parsed as Kubernetes'
 * parameter codec parses them (runtime.Convert_Slice_string_To_*): the first
 * of repeated values counts, integers are Go's `strconv.ParseInt(s, 10, 64)`
 * (no hex, no exponent, no empty value), and a boolean is false only when
 * absent, `0` or `false` in any case. Malformed values are 400s with Go's
 * messages.
 */
import { fieldErrors, parseBoolParam, type FieldError } from '@mk8s/api';
import { errors } from '../errors.js';
import { managerFromUserAgent } from '../field-manager/index.js';

export type Query = Record<string, unknown>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The first value of a parameter (Kubernetes reads `values[0]`). */
export function str(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined ? undefined : String(v);
}

/**
 * An int64 parameter. Values past 2^53 are accepted as Go accepts them and
 * come back rounded to the nearest double, which is harmless for the
 * parameters that take them (limits and durations, which cap far lower).
 */
export function int(q: Query, name: string): number | undefined {
  const v = str(q, name);
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n < INT64_MIN || n > INT64_MAX) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(n);
}

/**
 * A boolean parameter: absent, `0` and `false` (any case) are false; anything
 * else, even empty, is true (`watch=True`, `stdout=t`). Every boolean
 * parameter the server reads goes through here.
 */
export function bool(q: Query, name: string): boolean {
  return parseBoolParam(str(q, name));
}

function dryRunValues(q: Query): string[] {
  const v = q['dryRun'];
  return Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
}

/** Kubernetes' ValidateDryRun: every value must be `All` (the only one defined); Go prints the list as `[]string{"x"}`. */
function dryRunErrors(q: Query): FieldError[] {
  const values = dryRunValues(q);
  if (values.every((d) => d === 'All')) return [];
  const shown = `[]string{${values.map((d) => JSON.stringify(d)).join(', ')}}`;
  return [{ type: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${shown}: supported values: "All"` }];
}

/** `dryRun=All`; any other value is a 422 on the request's `kind` of options, as Kubernetes validates them. */
export function dryRun(q: Query, kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions'): boolean {
  const errs = dryRunErrors(q);
  if (errs.length > 0) throw errors.invalidOptions(kind, errs);
  return dryRunValues(q).length > 0;
}

const FIELD_VALIDATIONS = ['', 'Ignore', 'Strict', 'Warn'];

/** Kubernetes' ValidateFieldValidation: '' (the default, Warn), Ignore, Strict or Warn. */
function fieldValidationErrors(q: Query): FieldError[] {
  const v = str(q, 'fieldValidation') ?? '';
  return FIELD_VALIDATIONS.includes(v) ? [] : [fieldErrors.notSupported('fieldValidation', v, FIELD_VALIDATIONS)];
}

function fieldValidation(q: Query): 'Strict' | 'Warn' | 'Ignore' {
  const v = str(q, 'fieldValidation');
  return v === 'Strict' || v === 'Ignore' ? v : 'Warn';
}

const FIELD_MANAGER_MAX_LENGTH = 128;
/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** The options of a write, as the registry takes them. */
export interface ParsedWriteOptions {
  dryRun: boolean;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  /** `fieldManager`, else the User-Agent's prefix (Kubernetes' managerOrUserAgent). */
  manager: string;
  /** `force` (apply patches only). */
  force: boolean;
}

/**
 * The options every write takes (CreateOptions, UpdateOptions, PatchOptions),
 * validated as Kubernetes validates them: `fieldManager` at most 128 bytes of
 * printable characters, required for an apply patch; `force` only for an
 * apply patch; `dryRun` only `All`; `fieldValidation` '', Ignore, Strict or
 * Warn. All errors come together in one 422 on `<kind>.meta.k8s.io ""`.
 */
export function writeOptions(
  q: Query,
  kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions',
  userAgent: string | undefined,
  apply = false,
): ParsedWriteOptions {
  const manager = str(q, 'fieldManager');
  const errs: FieldError[] = [];
  // In Kubernetes' order (ValidatePatchOptions and its siblings): force and the apply requirement, fieldManager, dryRun, fieldValidation.
  const forced = str(q, 'force');
  if (kind === 'PatchOptions' && !apply && forced !== undefined) errs.push(fieldErrors.forbidden('force', 'may not be specified for non-apply patch'));
  if (apply && (manager === undefined || manager === '')) errs.push(fieldErrors.required('fieldManager', 'is required for apply patch'));
  if (manager !== undefined) {
    if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) errs.push(fieldErrors.tooLong('fieldManager', FIELD_MANAGER_MAX_LENGTH));
    let at = 0;
    for (const ch of manager) {
      if (!PRINTABLE.test(ch)) {
        const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        errs.push(fieldErrors.invalid('fieldManager', manager, `invalid character U+${code} (at position ${at})`));
      }
      at += Buffer.byteLength(ch);
    }
  }
  errs.push(...dryRunErrors(q), ...fieldValidationErrors(q));
  if (errs.length > 0) throw errors.invalidOptions(kind, errs);
  return {
    dryRun: dryRunValues(q).length > 0,
    fieldValidation: fieldValidation(q),
    manager: manager || managerFromUserAgent(userAgent),
    force: bool(q, 'force'),
  };
}
