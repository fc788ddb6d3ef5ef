/**
 * `Warning` response headers (RFC 7234 form `299 - "text"`), as Kubernetes'
 * warning recorder writes them:
 *
 * - texts are deduplicated and quoted, with `"` and `\` escaped;
 * - the texts together are capped at 4,096 characters: past the cap every
 *   text is cut to 256 characters, and what still does not fit is left out
 *   and counted in a last warning, "and N more warnings";
 * - header values are ASCII here: control characters become `\xNN` and
 *   characters past ASCII `\uNNNN` (Kubernetes sends raw UTF-8, but Node
 *   refuses header characters past Latin-1 and encodes Latin-1 ones
 *   inconsistently), so no text a client sent, such as an unknown field's
 *   name, can make writing the header fail after the object was stored.
 */
const TOTAL_CHARS = 4 * 1024;
const ITEM_CHARS = 256;

function quote(text: string): string {
  const escaped = text
    .replace(/["\\]/g, (c) => `\\${c}`)
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"`;
}

function cut(text: string, chars: number): string {
  const runes = [...text];
  return runes.length > chars ? runes.slice(0, chars).join('') : text;
}

/** The `Warning` header values for `texts`, in order; empty when there are none. */
export function warningHeaderValues(texts: readonly string[]): string[] {
  const unique = [...new Set(texts.filter((t) => t !== ''))];
  const total = unique.reduce((n, t) => n + [...t].length, 0);
  const truncating = total > TOTAL_CHARS;
  const out: string[] = [];
  let written = 0;
  let left = 0;
  for (const text of unique) {
    const t = truncating ? cut(text, ITEM_CHARS) : text;
    const n = [...t].length;
    if (written + n > TOTAL_CHARS) {
      left++;
      continue;
    }
    written += n;
    out.push(`299 - ${quote(t)}`);
  }
  if (left > 0) out.push(`299 - ${quote(`and ${left} more warning${left === 1 ? '' : 's'}`)}`);
  return out;
}
