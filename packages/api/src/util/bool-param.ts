/**
 * A boolean query parameter as Kubernetes decodes every one of them
 * (k8s.io/apimachinery runtime.Convert_Slice_string_To_bool, used by the
 * parameter codec for `watch`, `allowWatchBookmarks`, `follow`, `stdout` ...
 * and by the kubelet for `/containerLogs`): false when absent, when `0`, or
 * when `false` in any case (Go's strings.EqualFold, so Unicode simple case
 * folding: `FALSE`, `False`, even `falſe`); true for anything else, the empty
 * value included (`?watch`, `?watch=True`, `?watch=t`, `?watch=yes`).
 *
 * `value` is the first value of the parameter (Kubernetes reads `values[0]`),
 * undefined when the parameter is absent.
 */
export function parseBoolParam(value: string | undefined): boolean {
  if (value === undefined) return false;
  return !(value === '0' || /^false$/iu.test(value));
}
