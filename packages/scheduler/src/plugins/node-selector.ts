/**
 * Matching nodes against `spec.nodeSelector` and node affinity terms
 * (Kubernetes' component-helpers nodeaffinity): compiled once per pod into
 * a predicate, so a filter over many nodes only walks label lookups.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm } from '@mk8s/api';

export type NodeMatcher = (labels: Readonly<Record<string, string>>, nodeName: string) => boolean;

function labelRequirement(r: NodeSelectorRequirement): (labels: Readonly<Record<string, string>>) => boolean {
  const values = r.values ?? [];
  const key = r.key;
  switch (r.operator) {
    case 'In':
      return (l) => key in l && values.includes(l[key]!);
    case 'NotIn':
      return (l) => !(key in l) || !values.includes(l[key]!);
    case 'Exists':
      return (l) => key in l;
    case 'DoesNotExist':
      return (l) => !(key in l);
    case 'Gt':
    case 'Lt': {
      const bound = Number.parseInt(values[0] ?? '', 10);
      if (values.length !== 1 || !Number.isFinite(bound)) return () => false;
      return (l) => {
        if (!(key in l)) return false;
        const v = Number.parseInt(l[key]!, 10);
        if (!Number.isFinite(v)) return false;
        return r.operator === 'Gt' ? v > bound : v < bound;
      };
    }
    default:
      return () => false;
  }
}

function fieldRequirement(r: NodeSelectorRequirement): (nodeName: string) => boolean {
  const values = r.values ?? [];
  if (r.key !== 'metadata.name') return () => false;
  if (r.operator === 'In') return (n) => values.includes(n);
  if (r.operator === 'NotIn') return (n) => !values.includes(n);
  return () => false;
}

/** A term matches when all its expressions and fields do; a term with neither matches nothing. */
export function compileTerm(term: NodeSelectorTerm): NodeMatcher {
  const labels = (term.matchExpressions ?? []).map(labelRequirement);
  const fields = (term.matchFields ?? []).map(fieldRequirement);
  if (labels.length === 0 && fields.length === 0) return () => false;
  return (l, name) => labels.every((m) => m(l)) && fields.every((m) => m(name));
}

/** Terms are ORed. */
export function compileTerms(terms: readonly NodeSelectorTerm[]): NodeMatcher {
  const compiled = terms.map(compileTerm);
  return (l, name) => compiled.some((m) => m(l, name));
}

/** `spec.nodeSelector`: every key must be present with that exact value. */
export function compileNodeSelector(selector: Readonly<Record<string, string>>): NodeMatcher {
  const entries = Object.entries(selector);
  return (l) => entries.every(([k, v]) => l[k] === v);
}
