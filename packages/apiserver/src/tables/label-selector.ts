/**
 * String forms of label maps and label selectors as Kubernetes prints them
 * (`labels.FormatLabels`, `LabelSelector` -> `Selector.String()`).
 */
import { isObject, stringMap, strings } from './json-fields.js';

/** "a=1,b=2" sorted by key; "<none>" for an empty map. */
export function formatLabels(labels: unknown): string {
  const map = stringMap(labels);
  const keys = Object.keys(map).sort(compareStrings);
  if (keys.length === 0) {
    return '<none>';
  }
  return keys.map((key) => `${key}=${map[key] ?? ''}`).join(',');
}

/**
 * The selector string of a metav1.LabelSelector: requirements sorted by key,
 * `k=v` for matchLabels, `k in (a,b)`, `k notin (a,b)`, `k`, `!k` for
 * expressions (values sorted). Empty for an empty or absent selector;
 * undefined when an expression is malformed (unknown operator, missing
 * values), which callers print as Kubernetes does for that resource.
 */
export function selectorString(selector: unknown): string | undefined {
  if (!isObject(selector)) {
    return '';
  }
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, value] of Object.entries(stringMap(selector['matchLabels']))) {
    requirements.push({ key, text: `${key}=${value}` });
  }
  const expressions = selector['matchExpressions'];
  for (const expression of Array.isArray(expressions) ? expressions : []) {
    if (!isObject(expression) || typeof expression['key'] !== 'string') {
      return undefined;
    }
    const key = expression['key'];
    const values = strings(expression['values']).sort(compareStrings);
    switch (expression['operator']) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          return undefined;
        }
        requirements.push({ key, text: `${key} ${expression['operator'] === 'In' ? 'in' : 'notin'} (${values.join(',')})` });
        break;
      case 'Exists':
        requirements.push({ key, text: key });
        break;
      case 'DoesNotExist':
        requirements.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  requirements.sort((a, b) => compareStrings(a.key, b.key));
  return requirements.map((requirement) => requirement.text).join(',');
}

/** `metav1.FormatLabelSelector`: "<none>" when empty, "<error>" when malformed. */
export function formatLabelSelector(selector: unknown): string {
  const text = selectorString(selector);
  if (text === undefined) {
    return '<error>';
  }
  return text === '' ? '<none>' : text;
}

/** Byte-wise order, as Go sorts strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
