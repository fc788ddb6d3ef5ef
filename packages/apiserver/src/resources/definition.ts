/**
 * `ResourceDefinition<T>`: everything the API server knows about one kind,
 * in one place (Kubernetes' `pkg/registry/<group>/<kind>/`: strategy.go,
 * storage.go, and the printer and field functions they register).
 *
 * The generic machinery reads definitions and nothing else: the registry
 * (defaults, strategy, validation, allocators), routing and subresources
 * (http/resource-handler.ts), Table output, field selectors, discovery and
 * OpenAPI. Each built-in kind has a folder under `resources/` whose
 * `index.ts` exports its definition; `builtin.ts` lists them. Adding a kind
 * is one folder plus one line there (docs/api-server.md shows how).
 *
 * A definition is written against its typed object (`Pod`, `Service` ...)
 * and erased to the plain-JSON form the machinery handles by
 * `defineResource`, so one catalog holds every kind.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { resourceFor, type DecodeResult, type FieldError, type ResourceType } from '@mk8s/api';
import type { Negotiated } from '../http/accept.js';
import type { ServerContext } from '../http/context.js';
import type { Query } from '../http/query.js';
import type { RequestInfo, Verb } from '../http/request-info.js';
import type { ResourceAllocator } from '../registry/allocator.js';
import { defaultStrategy, type Obj, type Strategy } from '../registry/strategy.js';
import type { ResourcePrinter } from '../tables/types.js';

export type { Obj } from '../registry/strategy.js';

/** One request for a resource or one of its subresources, after routing. */
export interface ResourceRequest {
  ctx: ServerContext;
  definition: ResourceDefinition;
  /** Undefined for cluster-scoped resources. */
  namespace: string | undefined;
  /** The object's name (`''` for collection requests). */
  name: string;
  info: RequestInfo;
  req: FastifyRequest;
  reply: FastifyReply;
  query: Query;
  negotiated: Negotiated;
}

/** A subresource (`pods/binding`, `deployments/scale` ...): what discovery lists and the handler. */
export interface SubresourceDefinition {
  /** The kind its requests and replies carry (`Binding`, `Scale`). */
  kind: string;
  /** The verbs it serves; any other is a 405. */
  verbs: readonly Verb[];
  /** Set when the kind belongs to another group/version than the resource (`Scale` is autoscaling/v1). */
  group?: string;
  version?: string;
  /** False for a subresource that exists only to refuse with an explanation (not in discovery). */
  listed?: boolean;
  serve(r: ResourceRequest): Promise<unknown>;
}

/** Kubernetes' validation functions of one kind, returning field errors with Kubernetes' paths and wording. */
export interface ValidationRules<T> {
  /** A new object (also run on every update, as Kubernetes validates the new object in full). */
  create(obj: T, opts: { namespaced: boolean }): FieldError[];
  /** Update-only rules against the current object; metadata update rules when absent. */
  update?(obj: T, old: T): FieldError[];
  /** A write to the status subresource; metadata update rules when absent. */
  status?(obj: T, old: T): FieldError[];
}

/** The fields a field selector may name (Kubernetes' field label conversion and GetAttrs). */
export interface SelectableFields<T> {
  /** Field labels besides `metadata.name` (and `metadata.namespace` for namespaced kinds). */
  labels: readonly string[];
  /** The values of `labels` for `obj`, rendered as Kubernetes renders them ("" when missing). */
  of(obj: T): Record<string, string>;
}

/** Server settings a definition's allocator is built from (kube-apiserver flags). */
export interface AllocatorSettings {
  serviceClusterIPRange?: string;
  serviceNodePortRange?: string;
}

/** Verbs served by the definition itself instead of the generic registry (create-only reviews). */
export interface CustomVerbs {
  create?(r: ResourceRequest): Promise<unknown>;
}

/**
 * A real conversion between a served version and the storage version
 * (Kubernetes' conversion functions, `pkg/apis/<group>/<version>/conversion.go`):
 * pure functions over whole objects, each setting its side's apiVersion and kind.
 */
export interface Conversion {
  /** A served-version object (a decoded request body, a patched view) as the storage version stores it. */
  toStorage(obj: Obj): Obj;
  /** A stored object as the served version shows it. */
  fromStorage(obj: Obj): Obj;
}

export interface ResourceDefinition<T extends object = Obj> {
  /** Group, version, kind, names, scope and schema: the type clients know (@mk8s/api). */
  readonly type: ResourceType;
  /** What is special about storing this kind; `defaultStrategy` where absent. */
  readonly strategy: Strategy;
  /** Kubernetes' defaulting (SetDefaults_<Kind>), on every write of the main resource. */
  readonly defaults?: (obj: T) => void;
  /** Defaults set only on create (Kubernetes' PrepareForCreate), after `defaults`. */
  readonly createDefaults?: (obj: T) => void;
  readonly validation?: ValidationRules<T>;
  readonly fields?: SelectableFields<T>;
  /** `kubectl get` columns; Kubernetes' default NAME / CREATED AT table when absent. */
  readonly printer?: ResourcePrinter;
  /** Subresources by name; `status` is served generically when the strategy has a status subresource. */
  readonly subresources: Readonly<Record<string, SubresourceDefinition>>;
  /** Verbs answered by the definition (no storage behind them). */
  readonly verbs?: CustomVerbs;
  /** Whether DELETE on the collection is served (Kubernetes serves none for namespaces). */
  readonly deleteCollection: boolean;
  readonly allocator?: (settings: AllocatorSettings) => ResourceAllocator;
  /** The first segment of its store keys and its watch cache's name: the plural for built-in kinds, `<plural>.<group>` for custom ones. */
  readonly storageResource: string;
  /** The apiVersion objects are stored with; a version served beside it shows them with its own (conversion `None`). */
  readonly storageApiVersion: string;
  /** Decoding of request bodies (type errors, pruning) instead of the type's schema; custom resources use their CRD's. */
  readonly decode?: (body: Obj) => DecodeResult;
  /**
   * Set on a version served over another definition's storage with a real
   * conversion (`servedVersion`): bodies decode against `type.schema` then go
   * `toStorage`; every object shown goes `fromStorage`. Strategy, defaults and
   * validation are the storage definition's, run on the storage form.
   */
  readonly conversion?: Conversion;
}

/** What a kind's folder writes: the typed parts, each optional but the type. */
export interface ResourceDefinitionInput<T extends object> {
  type: ResourceType;
  strategy?: Partial<Strategy>;
  defaults?: (obj: T) => void;
  createDefaults?: (obj: T) => void;
  validation?: ValidationRules<T>;
  fields?: SelectableFields<T>;
  printer?: ResourcePrinter;
  subresources?: Record<string, SubresourceDefinition>;
  verbs?: CustomVerbs;
  deleteCollection?: boolean;
  allocator?: (settings: AllocatorSettings) => ResourceAllocator;
  storageResource?: string;
  storageApiVersion?: string;
  decode?: (body: Obj) => DecodeResult;
}

/**
 * Completes a kind's definition and erases its object type. The catalog
 * checks it against the type (subresource names, status subresource).
 */
export function defineResource<T extends object>(input: ResourceDefinitionInput<T>): ResourceDefinition {
  const definition: ResourceDefinition<T> = {
    type: input.type,
    strategy: { ...defaultStrategy, ...input.strategy },
    defaults: input.defaults,
    createDefaults: input.createDefaults,
    validation: input.validation,
    fields: input.fields,
    printer: input.printer,
    subresources: input.subresources ?? {},
    verbs: input.verbs,
    deleteCollection: input.deleteCollection ?? true,
    allocator: input.allocator,
    storageResource: input.storageResource ?? input.type.resource,
    storageApiVersion: input.storageApiVersion ?? input.type.apiVersion,
    decode: input.decode,
  };
  // The machinery hands each function objects of this kind (decoded against `type.schema`).
  return definition as unknown as ResourceDefinition;
}

/**
 * `storage` served in another version with a real conversion (events.k8s.io/v1
 * Events over core/v1 ones, autoscaling/v1 HPAs over autoscaling/v2 ones): the
 * same store keys, watch cache, strategy, defaults and validation (on the
 * storage form); its own type (names, schema for decoding and OpenAPI), field
 * labels (of the served form) and subresources. Its printer is the storage
 * one, given objects converted back to storage. It has no allocator of its
 * own (the registry keeps one per storage).
 */
export function servedVersion(
  storage: ResourceDefinition,
  view: { type: ResourceType; conversion: Conversion; fields?: SelectableFields<Obj>; subresources?: Record<string, SubresourceDefinition> },
): ResourceDefinition {
  const { conversion } = view;
  const printer = storage.printer && {
    columns: storage.printer.columns,
    print: (obj: Obj, now: number) => storage.printer!.print(conversion.toStorage(obj), now),
  };
  return {
    ...storage,
    type: view.type,
    fields: view.fields,
    printer,
    subresources: view.subresources ?? {},
    allocator: undefined,
    decode: undefined,
    conversion,
  };
}

/** A built-in kind's type from @mk8s/api (names, scope, schema); throws for one it does not know. */
export function builtinType(group: string, version: string, resource: string): ResourceType {
  const type = resourceFor(group, version, resource);
  if (!type) throw new Error(`@mk8s/api has no type for ${resource} in ${group || 'core'}/${version}`);
  return type;
}

/** `metadata.name`, and `metadata.namespace` for a namespaced kind: the field labels every kind has. */
function metadataFieldLabels(type: ResourceType): string[] {
  return type.namespaced ? ['metadata.name', 'metadata.namespace'] : ['metadata.name'];
}

/** Every field label of a definition, metadata first. */
export function fieldLabelsOf(definition: ResourceDefinition): string[] {
  return [...metadataFieldLabels(definition.type), ...(definition.fields?.labels ?? [])];
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

/** The selectable fields of an object of `definition`, as strings ("" for missing values). */
export function selectableFields(definition: ResourceDefinition, obj: Obj): Record<string, string> {
  const meta = (obj['metadata'] ?? {}) as Obj;
  const fields: Record<string, string> = { 'metadata.name': text(meta['name']) };
  if (definition.type.namespaced) fields['metadata.namespace'] = text(meta['namespace']);
  return definition.fields ? { ...fields, ...definition.fields.of(obj) } : fields;
}

/** A scalar at `path` of `obj`, rendered as Kubernetes renders selectable fields (missing -> ""). */
export function fieldText(obj: unknown, ...path: string[]): string {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return '';
    cur = (cur as Obj)[key];
  }
  return text(cur);
}
