/**
 * The resources one API server serves: its definitions, looked up by URL
 * coordinates or by a body's apiVersion and kind. Discovery, OpenAPI,
 * routing and the registry ask the catalog; no other list of kinds exists
 * on the server. Built from the built-in definitions (builtin.ts).
 */
import type { ResourceType } from '@mk8s/api';
import type { ResourceDefinition } from './definition.js';

function key(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

export class ResourceCatalog {
  private readonly byPath = new Map<string, ResourceDefinition>();
  private readonly byKind = new Map<string, ResourceDefinition>();
  private ordered: ResourceDefinition[] = [];
  private typeList: readonly ResourceType[] | undefined;
  /** Definitions added at run time, by owner (a CustomResourceDefinition's name). */
  private readonly owned = new Map<string, ResourceDefinition[]>();
  private readonly listeners = new Set<() => void>();

  constructor(definitions: readonly ResourceDefinition[]) {
    for (const d of definitions) this.add(d);
  }

  private add(definition: ResourceDefinition): void {
    const t = definition.type;
    const k = key(t.group, t.version, t.resource);
    if (this.byPath.has(k)) throw new Error(`resource ${t.resource} of ${t.apiVersion} is defined twice`);
    checkDefinition(definition);
    this.byPath.set(k, definition);
    this.byKind.set(`${t.apiVersion}/${t.kind}`, definition);
    this.ordered.push(definition);
    this.typeList = undefined;
  }

  private drop(definition: ResourceDefinition): void {
    const t = definition.type;
    this.byPath.delete(key(t.group, t.version, t.resource));
    if (this.byKind.get(`${t.apiVersion}/${t.kind}`) === definition) this.byKind.delete(`${t.apiVersion}/${t.kind}`);
    this.ordered = this.ordered.filter((d) => d !== definition);
    this.typeList = undefined;
  }

  /**
   * Serves `definitions` for `owner` instead of what it served before (none
   * to stop serving). Refuses, changing nothing, when one would take the
   * place of a resource another owner (or a built-in kind) serves.
   */
  replace(owner: string, definitions: readonly ResourceDefinition[]): void {
    const before = this.owned.get(owner) ?? [];
    for (const d of definitions) {
      const existing = this.lookup(d.type.group, d.type.version, d.type.resource);
      if (existing && !before.includes(existing)) throw new Error(`resource ${d.type.resource} of ${d.type.apiVersion} is already served`);
      checkDefinition(d);
    }
    for (const d of before) this.drop(d);
    for (const d of definitions) this.add(d);
    if (definitions.length > 0) this.owned.set(owner, [...definitions]);
    else this.owned.delete(owner);
    for (const listener of this.listeners) listener();
  }

  /** Called after every `replace` (the served resources may have changed). */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** The definitions `owner` added. */
  ownedBy(owner: string): readonly ResourceDefinition[] {
    return this.owned.get(owner) ?? [];
  }

  /** Every definition, in discovery order. */
  all(): readonly ResourceDefinition[] {
    return this.ordered;
  }

  /** Every type, in discovery order: the same array until the served resources change (OpenAPI documents are cached by it). */
  types(): readonly ResourceType[] {
    return (this.typeList ??= Object.freeze(this.ordered.map((d) => d.type)));
  }

  /** The definition served at `/apis/{group}/{version}/{resource}` (group `''` for `/api/v1`). */
  lookup(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.byPath.get(key(group, version, resource));
  }

  /** The definition of a body's `apiVersion` and `kind`. */
  forKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** The definition of a type; throws for a type this server does not serve (a programming error). */
  of(type: ResourceType): ResourceDefinition {
    const d = this.lookup(type.group, type.version, type.resource);
    if (!d) throw new Error(`resource ${type.resource} of ${type.apiVersion} is not served`);
    return d;
  }

  /** Served versions by group, in discovery order: `'' -> ['v1']`, `'apps' -> ['v1']` ... */
  groupVersions(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const { type } of this.ordered) {
      const versions = out.get(type.group) ?? [];
      if (!versions.includes(type.version)) versions.push(type.version);
      out.set(type.group, versions);
    }
    return out;
  }
}

/**
 * A definition must serve exactly the subresources its type declares (the
 * type is what OpenAPI and clients see), and a status subresource exactly
 * when its strategy splits spec and status.
 */
function checkDefinition(d: ResourceDefinition): void {
  const declared = [...d.type.subresources].sort();
  const served = [...Object.keys(d.subresources), ...(d.strategy.statusSubresource ? ['status'] : [])]
    .filter((s) => d.subresources[s]?.listed !== false)
    .sort();
  if (declared.join(',') !== served.join(',')) {
    throw new Error(`resource ${d.type.resource}: its type declares subresources [${declared.join(', ')}] but the definition serves [${served.join(', ')}]`);
  }
  if (d.subresources['status']) throw new Error(`resource ${d.type.resource}: status is served from the strategy (statusSubresource), not as a handler`);
}
