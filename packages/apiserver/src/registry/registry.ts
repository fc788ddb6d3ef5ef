/**
 * The generic registry: create, get, list, update, patch, delete and
 * deletecollection for every resource, with Kubernetes' mechanics
 * (resourceVersion, optimistic concurrency, generateName, uid and timestamps,
 * spec/status split, generation, finalizers, graceful deletion). Resource
 * specifics come from their definitions (resources/); wire concerns (HTTP, content types) live
 * in the routes. Callers get objects or `StatusError`s, never store errors.
 */
import { randomUUID } from 'node:crypto';
import type { FieldError, ResourceType } from '@mk8s/api';
import { decodeObject, inWireOrder, metaTime } from '@mk8s/api';
import type { Store } from '@mk8s/storage';
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError } from '@mk8s/storage';
import { errors, StatusError, type Target } from '../errors.js';
import { decodeStored, type Obj, type WatchCache } from '../cache/watch-cache.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { parseResourceVersion, revisionAtMost } from './resource-version.js';
import { listPrefix, objectKey } from './keys.js';
import { DEFAULT_ADMISSION, type AdmissionSettings, type Strategy } from './strategy.js';
import type { AllocationTx, ResourceAllocator } from './allocator.js';
import { BUILTIN_RESOURCES } from '../resources/builtin.js';
import { ResourceCatalog } from '../resources/catalog.js';
import type { AllocatorSettings, ResourceDefinition } from '../resources/definition.js';
import { validateCreate, validateStatus, validateUpdate } from '../resources/validate.js';
import type { AdmissionHooks, AdmissionRequest } from '../admission/types.js';
import { admitUpdate, requestAttributes } from '../admission/update.js';
import { applyConfiguration, ApplyConflictError, conflictStatus, trackUpdate, TypedError, type FieldContext } from '../field-manager/index.js';
import type { SchemaNode } from '../patch/schema-node.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/**
 * A last say on a write, given the object about to be stored (defaulted and
 * validated) and the current one (undefined on create); throws a StatusError
 * to refuse. RBAC's escalation check (auth/escalation.ts) is one.
 */
export type WriteCheck = (obj: Obj, old: Obj | undefined) => void | Promise<void>;

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Runs on the resulting object of a create, update or patch, before admission's validation and the store write. */
  check?: WriteCheck;
  /** The requesting user and the audit annotations sink, for admission (creates, updates, patches). */
  admission?: AdmissionRequest;
  /**
   * The field manager the write's fields are credited to (`fieldManager`, else
   * the User-Agent's prefix). Undefined for the server's own writes: those
   * keep the object's managedFields as they are.
   */
  manager?: string;
}

/** A server-side apply: the body is an apply configuration, `force` takes conflicting fields. */
export interface ApplyOptions extends WriteOptions {
  manager: string;
  force: boolean;
  status?: boolean;
  /**
   * `scale`: the configuration is the parent-form of a Scale apply (only the
   * replicas field); the object must exist and the manager owns its fields
   * at the scale subresource.
   */
  subresource?: 'scale';
}

export interface WriteResult {
  object: Obj;
  warnings: string[];
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  object: Obj;
  /** False when the object still exists (graceful deletion or pending finalizers). */
  deleted: boolean;
}

export interface ListOptions {
  filter?: (obj: Obj) => boolean;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: Obj[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface RegistryDeps {
  store: Store;
  cache: WatchCache;
  /** Clock for timestamps (ms since epoch). */
  now?: () => number;
  /** Settings of the built-in admission steps; Kubernetes' defaults when absent. */
  admission?: Partial<AdmissionSettings>;
  /** The served resources; the built-in ones when absent. */
  catalog?: ResourceCatalog;
  /** Settings of the definitions' allocators (Services' ClusterIP and NodePort ranges); defaults when absent. */
  allocatorSettings?: AllocatorSettings;
  /** The admission chain run on creates (mutating after defaulting, validating before the store write) and updates (validating); none when absent. */
  admit?: AdmissionHooks;
}

const MAX_RETRIES = 50;

const GENERATE_NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function meta(obj: Obj): Obj {
  let m = obj['metadata'];
  if (!m || typeof m !== 'object' || Array.isArray(m)) obj['metadata'] = m = {};
  return m as Obj;
}

function nameOf(obj: Obj): string | undefined {
  const m = obj['metadata'];
  return m && typeof m === 'object' && !Array.isArray(m) ? ((m as Obj)['name'] as string | undefined) : undefined;
}

/**
 * A stored object as `definition`'s version shows it: through its conversion
 * when it has one, else with only apiVersion rewritten (conversion `None`).
 */
export function served(definition: ResourceDefinition, obj: Obj): Obj {
  if (definition.conversion) return definition.conversion.fromStorage(obj);
  const apiVersion = definition.type.apiVersion;
  return obj['apiVersion'] === apiVersion || obj['apiVersion'] === undefined ? obj : { ...obj, apiVersion };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/**
 * The stored form: resourceVersion is the store's modRevision, so it is
 * stored empty, keeping its place in the key order for the read path to fill in.
 */
function serialize(obj: Obj): string {
  const m = meta(obj);
  const rv = m['resourceVersion'];
  m['resourceVersion'] = '';
  const s = JSON.stringify(obj);
  if (rv === undefined) delete m['resourceVersion'];
  else m['resourceVersion'] = rv;
  return s;
}

function withoutVolatile(obj: Obj): string {
  const c = clone(obj);
  delete meta(c)['resourceVersion'];
  return JSON.stringify(c);
}

function specOf(obj: Obj): string {
  const rest: Obj = { ...obj };
  delete rest['metadata'];
  delete rest['status'];
  return JSON.stringify(rest);
}

export class Registry {
  private readonly now: () => number;
  readonly catalog: ResourceCatalog;
  /** Allocators by storage (Services: ClusterIPs and NodePorts), taking values before a write and releasing them after. */
  private readonly allocators = new Map<string, ResourceAllocator>();

  constructor(private readonly deps: RegistryDeps) {
    this.now = deps.now ?? Date.now;
    this.catalog = deps.catalog ?? new ResourceCatalog(BUILTIN_RESOURCES);
    for (const d of this.catalog.all()) if (d.allocator) this.allocators.set(d.storageResource, d.allocator(deps.allocatorSettings ?? {}));
  }

  /** The definition of a served resource. */
  definition(rt: ResourceType): ResourceDefinition {
    return this.catalog.of(rt);
  }

  private allocator(rt: ResourceType): ResourceAllocator | undefined {
    return this.allocators.get(this.definition(rt).storageResource);
  }

  /** Gives every allocator what the stored objects hold: once at start, after the watch cache loaded, before the first write. */
  rebuildAllocators(): void {
    for (const [storage, allocator] of this.allocators) allocator.rebuild(this.deps.cache.list(storage, listPrefix(storage)));
  }

  target(rt: ResourceType, name?: string): Target {
    return {
      qualifiedResource: rt.group ? `${rt.resource}.${rt.group}` : rt.resource,
      group: rt.group,
      kind: rt.kind,
      name,
    };
  }

  strategy(rt: ResourceType): Strategy {
    return this.definition(rt).strategy;
  }

  /** The store key of an object. A name or namespace with a NUL cannot be stored, so no such object exists: 404. */
  key(rt: ResourceType, namespace: string | undefined, name: string): string {
    if (name.includes('\0') || namespace?.includes('\0')) throw errors.notFound(this.target(rt, name));
    return objectKey(this.definition(rt).storageResource, rt.namespaced ? namespace : undefined, name);
  }

  /**
   * Decodes a request body for `rt`: kind and apiVersion must match, unknown
   * fields are pruned (and reported per `fieldValidation`), type errors are 400s.
   */
  decodeBody(rt: ResourceType, body: unknown, fieldValidation: FieldValidation = 'Warn'): { object: Obj; warnings: string[] } {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw errors.badRequest(`the body of the request must be a ${rt.kind} object`);
    }
    const b = body as Obj;
    const kind = b['kind'];
    const apiVersion = b['apiVersion'];
    if (kind !== undefined && kind !== rt.kind) {
      throw errors.badRequest(
        `${String(kind)} in version "${String(apiVersion ?? '')}" cannot be handled as a ${rt.kind}: the kind in the data (${String(kind)}) does not match the expected kind (${rt.kind})`,
      );
    }
    const definition = this.definition(rt);
    // A patch or a server-side change starts from the stored form, in the storage version (from the served form through a conversion).
    const storageForm = definition.conversion === undefined && apiVersion === definition.storageApiVersion;
    if (apiVersion !== undefined && apiVersion !== rt.apiVersion && !storageForm) {
      throw errors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${rt.apiVersion})`);
    }
    const decoded = definition.decode ? definition.decode(b) : decodeObject(rt.schema, b);
    // A custom resource's schema is validation: its type errors are a 422 with the field, as Kubernetes answers.
    if (definition.decode && decoded.errors.length > 0) throw errors.invalid(this.target(rt, nameOf(b)), decoded.errors);
    if (decoded.errors.length > 0) {
      throw errors.badRequest(
        `${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${decoded.errors.map((e) => `${e.field}: ${e.message}`).join(', ')}`,
        decoded.errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
      );
    }
    const unknown = decoded.unknownFields.map((f) => `unknown field "${f}"`);
    if (unknown.length > 0 && fieldValidation === 'Strict') throw errors.badRequest(`strict decoding error: ${unknown.join(', ')}`);
    let object = decoded.object;
    object['kind'] = rt.kind;
    object['apiVersion'] = rt.apiVersion;
    // Stored in the storage version; replies show the requested one (`served`).
    if (definition.conversion) object = definition.conversion.toStorage(object);
    else object['apiVersion'] = definition.storageApiVersion;
    return { object, warnings: fieldValidation === 'Warn' ? unknown : [] };
  }

  private invalidIf(rt: ResourceType, name: string | undefined, errs: readonly FieldError[]): void {
    if (errs.length > 0) throw errors.invalid(this.target(rt, name), errs);
  }

  /**
   * Namespaced writes need a live namespace. Read from the watch cache (no
   * store read on the hot path); a namespace the cache has not seen yet may
   * have just been created, so a miss waits for the cache to catch up first.
   */
  private async checkNamespace(namespace: string): Promise<void> {
    const key = objectKey('namespaces', undefined, namespace);
    let ns = this.deps.cache.get('namespaces', key);
    if (!ns) {
      await this.deps.cache.fresh();
      ns = this.deps.cache.get('namespaces', key);
    }
    const target: Target = { qualifiedResource: 'namespaces', group: '', kind: 'Namespace', name: namespace };
    if (!ns) throw errors.notFound(target);
    if (meta(ns)['deletionTimestamp']) {
      throw errors.forbidden(target, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  async get(rt: ResourceType, namespace: string | undefined, name: string): Promise<Obj> {
    const kv = await this.deps.store.get(this.key(rt, namespace, name));
    if (!kv) throw errors.notFound(this.target(rt, name));
    return decodeStored(kv.value, kv.modRevision);
  }

  async create(rt: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions & { applied?: boolean } = {}): Promise<WriteResult> {
    const { object, warnings } = this.decodeBody(rt, body, opts.fieldValidation);
    const m = meta(object);
    if (rt.namespaced) {
      if (m['namespace'] === undefined || m['namespace'] === '') m['namespace'] = namespace;
      else if (m['namespace'] !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
    } else delete m['namespace'];
    const generated = !m['name'] && typeof m['generateName'] === 'string' && m['generateName'] !== '';
    const incoming = m['managedFields'];
    for (let attempt = 0; ; attempt++) {
      const obj = clone(object);
      this.prepareCreate(rt, obj, generated, false);
      const name = String(meta(obj)['name'] ?? '');
      const attrs = {
        operation: 'CREATE' as const,
        resource: rt,
        storage: this.definition(rt).storageResource,
        subresource: '',
        namespace: rt.namespaced ? namespace : undefined,
        name,
        object: obj,
        dryRun: opts.dryRun === true,
        ...requestAttributes(opts.admission),
      };
      await this.deps.admit?.mutate(attrs);
      this.strategy(rt).prepareForCreate?.(obj, { ...DEFAULT_ADMISSION, ...this.deps.admission });
      this.invalidIf(rt, name, validateCreate(this.definition(rt), obj));
      this.ownFields(rt, undefined, obj, opts, '', incoming);
      if (rt.namespaced) await this.checkNamespace(namespace!);
      await opts.check?.(obj, undefined);
      // Validating admission may hold a reservation (a quota lock) until the write is settled.
      const finish = await this.deps.admit?.validate(attrs);
      let committed = false;
      try {
        const tx = this.allocator(rt)?.begin({ dryRun: opts.dryRun === true });
        tx?.prepare(obj, undefined);
        const stored = this.inOrder(rt, obj);
        if (opts.dryRun) {
          delete meta(stored)['resourceVersion'];
          return { object: stored, warnings: [...warnings, ...attrs.warnings] };
        }
        try {
          const kv = await this.deps.store.create(this.key(rt, namespace, name), serialize(stored));
          committed = true;
          tx?.commit(stored);
          meta(stored)['resourceVersion'] = String(kv.modRevision);
          return { object: stored, warnings: [...warnings, ...attrs.warnings] };
        } catch (err) {
          tx?.revert();
          if (err instanceof KeyExistsError) {
            if (generated && attempt < 5) continue;
            throw errors.alreadyExists(this.target(rt, name));
          }
          throw err;
        }
      } finally {
        finish?.(committed);
      }
    }
  }

  /** Server-set metadata, status reset and defaults of a new object. */
  private prepareCreate(rt: ResourceType, obj: Obj, generated: boolean, withStrategy = true): void {
    const m = meta(obj);
    if (generated) {
      const base = String(m['generateName']).slice(0, 58);
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_CHARS[Math.floor(Math.random() * GENERATE_NAME_CHARS.length)];
      m['name'] = base + suffix;
    }
    m['uid'] = randomUUID();
    m['creationTimestamp'] = metaTime(this.now());
    for (const f of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields']) delete m[f];
    const strategy = this.strategy(rt);
    if (strategy.tracksGeneration) m['generation'] = 1;
    else delete m['generation'];
    if (strategy.statusSubresource && !strategy.keepStatusOnCreate) delete obj['status'];
    const definition = this.definition(rt);
    definition.defaults?.(obj);
    definition.createDefaults?.(obj);
    // On POST the admission chain's mutating plugins run between defaulting and the strategy (see create).
    if (withStrategy) strategy.prepareForCreate?.(obj, { ...DEFAULT_ADMISSION, ...this.deps.admission });
  }

  /**
   * Kubernetes' GuaranteedUpdate: read, compute, compare-and-swap, retry on a
   * concurrent write. `mutate` gets a private copy of the current object (or
   * undefined when absent) and returns the new object, or undefined to keep
   * the current one. A no-op update writes nothing and keeps resourceVersion.
   */
  private async guaranteedUpdate(
    rt: ResourceType,
    key: string,
    name: string,
    mutate: (current: Obj | undefined) => Obj | undefined,
    opts: { dryRun?: boolean; allowCreate?: boolean; check?: WriteCheck } = {},
  ): Promise<{ object: Obj; created: boolean; deleted: boolean }> {
    const tx = this.allocator(rt)?.begin({ dryRun: opts.dryRun === true });
    try {
      const r = await this.guaranteedUpdateOnce(rt, key, name, mutate, opts, tx);
      tx?.commit(r.deleted ? undefined : r.object);
      return r;
    } finally {
      tx?.revert();
    }
  }

  private async guaranteedUpdateOnce(
    rt: ResourceType,
    key: string,
    name: string,
    mutate: (current: Obj | undefined) => Obj | undefined,
    opts: { dryRun?: boolean; allowCreate?: boolean; check?: WriteCheck },
    tx: AllocationTx | undefined,
  ): Promise<{ object: Obj; created: boolean; deleted: boolean }> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      // The first try starts from the watch cache's copy, saving a store read.
      // That copy may be stale: a failed compare-and-swap, an error from
      // `mutate` or a no-op verdict then retries from the store, as
      // Kubernetes' GuaranteedUpdate does with its cached original state.
      const cached = attempt === 0 && !opts.dryRun ? this.deps.cache.get(this.definition(rt).storageResource, key) : undefined;
      let current: Obj | undefined;
      let modRevision: number | undefined;
      if (cached) {
        current = cached;
        modRevision = Number(meta(cached)['resourceVersion']);
      } else {
        const kv = await this.deps.store.get(key);
        if (!kv && !opts.allowCreate) throw errors.notFound(this.target(rt, name));
        current = kv ? decodeStored(kv.value, kv.modRevision) : undefined;
        modRevision = kv?.modRevision;
      }
      let next: Obj | undefined;
      try {
        next = mutate(current ? clone(current) : undefined);
        if (next) next = this.inOrder(rt, next);
        if (next && opts.check) await opts.check(next, current);
        if (next && tx) tx.prepare(next, current);
      } catch (err) {
        if (cached) continue;
        throw err;
      }
      const noop = !next || (current !== undefined && withoutVolatile(next) === withoutVolatile(current));
      if (noop && cached) continue;
      if (noop) {
        tx?.revert();
        return { object: current!, created: false, deleted: false };
      }
      if (opts.dryRun) return { object: next!, created: current === undefined, deleted: false };
      const obj = next!;
      try {
        if (modRevision === undefined) {
          const created = await this.deps.store.create(key, serialize(obj));
          meta(obj)['resourceVersion'] = String(created.modRevision);
          return { object: obj, created: true, deleted: false };
        }
        if (this.shouldDeleteDuringUpdate(rt, obj)) {
          const gone = await this.deps.store.delete(key, modRevision);
          meta(obj)['resourceVersion'] = String(gone.modRevision);
          return { object: obj, created: false, deleted: true };
        }
        const updated = await this.deps.store.update(key, serialize(obj), modRevision);
        meta(obj)['resourceVersion'] = String(updated.modRevision);
        return { object: obj, created: false, deleted: false };
      } catch (err) {
        if (err instanceof ConflictError || err instanceof KeyExistsError || err instanceof KeyNotFoundError) continue;
        throw err;
      }
    }
    throw errors.conflict(this.target(rt, name), 'too many concurrent writes; please try again');
  }

  /** An object being deleted whose last finalizer is gone, with no grace period left, is deleted by the update. */
  private shouldDeleteDuringUpdate(rt: ResourceType, obj: Obj): boolean {
    const m = meta(obj);
    if (!m['deletionTimestamp']) return false;
    const finalizers = m['finalizers'] as unknown[] | undefined;
    if (finalizers && finalizers.length > 0) return false;
    if (this.strategy(rt).finalizing?.(obj)) return false;
    return (m['deletionGracePeriodSeconds'] ?? 0) === 0;
  }

  private checkPreconditionRV(rt: ResourceType, name: string, wanted: unknown, current: Obj): void {
    if (wanted !== undefined && wanted !== '' && wanted !== meta(current)['resourceVersion']) {
      throw errors.conflict(this.target(rt, name), 'the object has been modified; please apply your changes to the latest version and try again');
    }
  }

  /** PUT of the main resource. */
  async update(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<WriteResult & { created: boolean }> {
    const { object, warnings } = this.decodeBody(rt, body, opts.fieldValidation);
    const m = meta(object);
    // As Kubernetes' checkName: a body without a name does not name this object (a PUT of `{}` is a 400, not a wipe).
    if (m['name'] !== name) {
      throw errors.badRequest(`the name of the object (${String(m['name'] ?? '')}) does not match the name on the URL (${name})`);
    }
    if (rt.namespaced) {
      if (m['namespace'] !== undefined && m['namespace'] !== '' && m['namespace'] !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m['namespace'] = namespace;
    } else delete m['namespace'];
    const strategy = this.strategy(rt);
    const key = this.key(rt, namespace, name);
    // Created through PUT: the namespace must exist, as for POST.
    if (strategy.allowCreateOnUpdate && rt.namespaced && !(await this.deps.store.get(key))) await this.checkNamespace(namespace!);
    const adm = admitUpdate(this.deps.admit, rt, this.definition(rt).storageResource, namespace, name, opts);
    const result = await adm.run(() =>
      this.guaranteedUpdate(
        rt,
        key,
        name,
        (current) => {
          const next = clone(object);
          if (!current) {
            this.prepareCreate(rt, next, false);
            this.invalidIf(rt, name, validateCreate(this.definition(rt), next));
            this.ownFields(rt, undefined, next, opts, '', m['managedFields']);
            return next;
          }
          this.checkPreconditionRV(rt, name, m['resourceVersion'], current);
          this.carryOver(rt, next, current, strategy);
          this.definition(rt).defaults?.(next);
          strategy.prepareForUpdate?.(next, current);
          this.bumpGeneration(strategy, next, current);
          this.invalidIf(rt, name, validateUpdate(this.definition(rt), next, current));
          this.ownFields(rt, current, next, opts, '', m['managedFields']);
          return next;
        },
        { dryRun: opts.dryRun === true, allowCreate: strategy.allowCreateOnUpdate, check: adm.check },
      ),
    );
    return { object: result.object, warnings: [...warnings, ...adm.warnings], created: result.created };
  }

  /** Fields the client may not change through the main resource. */
  private carryOver(rt: ResourceType, next: Obj, current: Obj, strategy: Strategy): void {
    const nm = meta(next);
    const cm = meta(current);
    if (nm['uid'] !== undefined && nm['uid'] !== '' && nm['uid'] !== cm['uid']) {
      throw errors.conflict(
        this.target(rt, String(nm['name'])),
        `Precondition failed: UID in precondition: ${String(nm['uid'])}, UID in object meta: ${String(cm['uid'])}`,
      );
    }
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
      if (cm[f] === undefined) delete nm[f];
      else nm[f] = cm[f];
    }
    delete nm['selfLink'];
    if (strategy.statusSubresource) {
      if (current['status'] === undefined) delete next['status'];
      else next['status'] = clone(current['status']);
    }
  }

  private bumpGeneration(strategy: Strategy, next: Obj, current: Obj): void {
    if (!strategy.tracksGeneration) return;
    const gen = Number(meta(current)['generation'] ?? 1);
    meta(next)['generation'] = specOf(next) === specOf(current) ? gen : gen + 1;
  }

  /**
   * A server-internal change that bypasses decoding and update validation
   * (binding a pod, finalizing a namespace): `mutate` returns the new object
   * or undefined for no change, and may throw a StatusError.
   */
  async mutateRaw(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    mutate: (current: Obj) => Obj | undefined,
    opts: { dryRun?: boolean } = {},
  ): Promise<{ object: Obj; deleted: boolean }> {
    const r = await this.guaranteedUpdate(rt, this.key(rt, namespace, name), name, (current) => mutate(current!), {
      dryRun: opts.dryRun === true,
    });
    return { object: r.object, deleted: r.deleted };
  }

  /** PUT of `/status`: only status (and metadata's resourceVersion precondition) comes from the body. */
  async updateStatus(rt: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): Promise<WriteResult> {
    const { object, warnings } = this.decodeBody(rt, body, opts.fieldValidation);
    const m = meta(object);
    if (m['name'] !== name) {
      throw errors.badRequest(`the name of the object (${String(m['name'] ?? '')}) does not match the name on the URL (${name})`);
    }
    const strategy = this.strategy(rt);
    const result = await this.guaranteedUpdate(
      rt,
      this.key(rt, namespace, name),
      name,
      (current) => {
        this.checkPreconditionRV(rt, name, m['resourceVersion'], current!);
        const next = clone(current!);
        if (object['status'] === undefined) delete next['status'];
        else next['status'] = object['status'];
        strategy.prepareForStatusUpdate?.(next, current!);
        this.invalidIf(rt, name, validateStatus(this.definition(rt), next, current!));
        this.ownFields(rt, current, next, opts, 'status', undefined);
        return next;
      },
      { dryRun: opts.dryRun === true },
    );
    return { object: result.object, warnings };
  }

  /**
   * Changes an existing object through `mutate` (which gets a copy and
   * returns the desired full object, e.g. a patched one), then runs the same
   * pipeline as PUT (`status` selects the status subresource's pipeline).
   */
  async modify(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    mutate: (current: Obj) => unknown,
    opts: WriteOptions & { status?: boolean; applied?: boolean; subresource?: string } = {},
  ): Promise<WriteResult> {
    const strategy = this.strategy(rt);
    const warnings: string[] = [];
    // Admission sees main-resource updates only (not status).
    const adm = admitUpdate(opts.status ? undefined : this.deps.admit, rt, this.definition(rt).storageResource, namespace, name, opts);
    const result = await adm.run(() =>
      this.guaranteedUpdate(
        rt,
        this.key(rt, namespace, name),
        name,
        (current) => {
          // A version with a conversion changes its own view of the object (decodeBody converts back).
          const conversion = this.definition(rt).conversion;
          const wanted = mutate(conversion ? conversion.fromStorage(clone(current!)) : clone(current!));
          const { object, warnings: w } = this.decodeBody(rt, wanted, opts.fieldValidation);
          warnings.splice(0, warnings.length, ...w);
          const m = meta(object);
          if (m['name'] !== name) throw errors.badRequest(`the name of the object (${String(m['name'])}) does not match the name on the URL (${name})`);
          if (rt.namespaced && m['namespace'] !== namespace) {
            throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
          }
          // A resourceVersion in the patch is a precondition; the current one is implied otherwise.
          this.checkPreconditionRV(rt, name, m['resourceVersion'], current!);
          const incoming = m['managedFields'];
          if (opts.status) {
            const next = clone(current!);
            if (object['status'] === undefined) delete next['status'];
            else next['status'] = object['status'];
            strategy.prepareForStatusUpdate?.(next, current!);
            this.invalidIf(rt, name, validateStatus(this.definition(rt), next, current!));
            this.ownFields(rt, current, next, opts, 'status', incoming);
            return next;
          }
          this.carryOver(rt, object, current!, strategy);
          this.definition(rt).defaults?.(object);
          strategy.prepareForUpdate?.(object, current!);
          this.bumpGeneration(strategy, object, current!);
          this.invalidIf(rt, name, validateUpdate(this.definition(rt), object, current!));
          this.ownFields(rt, current, object, opts, opts.subresource ?? '', incoming);
          return object;
        },
        { dryRun: opts.dryRun === true, check: adm.check },
      ),
    );
    return { object: result.object, warnings: [...warnings, ...adm.warnings] };
  }

  /** Custom resources are unstructured (no Go structs behind them): JSON-merged and key-sorted as Kubernetes treats maps. */
  private unstructured(rt: ResourceType): boolean {
    return rt.strategicMergePatch === false;
  }

  /**
   * `obj` with its keys in Kubernetes' order (wire-order.ts in @mk8s/api), as
   * stored and as replies show it; resourceVersion holds its place even
   * before the store assigns it.
   */
  private inOrder(rt: ResourceType, obj: Obj): Obj {
    const m = meta(obj);
    if (m['resourceVersion'] === undefined) m['resourceVersion'] = '';
    return inWireOrder(obj, rt.schema, this.unstructured(rt));
  }

  /** What server-side apply needs to know about a kind. */
  private fieldContext(rt: ResourceType): FieldContext {
    return {
      schema: rt.schema as SchemaNode,
      apiVersion: rt.apiVersion,
      statusSubresource: this.strategy(rt).statusSubresource === true,
      structsAreValues: !this.unstructured(rt),
      now: this.now,
    };
  }

  /**
   * Sets `next`'s managedFields as the write leaves them: an apply's own
   * (already on `next`), the writer's changes credited to its manager, or,
   * for the server's own writes, the current object's unchanged.
   */
  private ownFields(
    rt: ResourceType,
    current: Obj | undefined,
    next: Obj,
    opts: WriteOptions & { applied?: boolean },
    subresource: string,
    incoming: unknown,
  ): void {
    const m = meta(next);
    if (opts.applied) {
      if (incoming === undefined) delete m['managedFields'];
      else m['managedFields'] = incoming;
      return;
    }
    const fields =
      opts.manager === undefined
        ? (meta(current ?? {})['managedFields'] as Obj[] | undefined)
        : trackUpdate(this.fieldContext(rt), current, next, opts.manager, subresource, incoming);
    if (fields === undefined) delete m['managedFields'];
    else m['managedFields'] = fields;
  }

  /**
   * Server-side apply (PATCH with `application/apply-patch+yaml`): `body` is
   * the parsed configuration. Creates the object when it does not exist (then
   * through the create pipeline, admission included), else merges into it
   * through the patch pipeline. Conflicts are a 409 naming each field and
   * its manager.
   */
  async apply(rt: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: ApplyOptions): Promise<WriteResult & { created: boolean }> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest(`the body of the request must be a ${rt.kind} object`);
    const b = body as Obj;
    const bm = b['metadata'];
    if (bm && typeof bm === 'object' && (bm as Obj)['managedFields'] !== undefined) throw errors.badRequest('metadata.managedFields must be nil');
    if (b['apiVersion'] !== rt.apiVersion) {
      throw errors.badRequest(
        `Incorrect version specified in apply patch. Specified patch version: ${String(b['apiVersion'] ?? '')}, expected: ${rt.apiVersion}`,
      );
    }
    if (b['kind'] !== rt.kind)
      throw errors.badRequest(`the kind in the apply configuration (${String(b['kind'] ?? '')}) does not match the expected kind (${rt.kind})`);
    const decoded = this.decodeBody(rt, b, opts.fieldValidation);
    const warnings = decoded.warnings;
    // Merged into the object as this version serves it (the patch pipeline converts the result back).
    const conversion = this.definition(rt).conversion;
    const config = conversion ? conversion.fromStorage(decoded.object) : decoded.object;
    const cm = meta(config);
    if (cm['name'] !== name) throw errors.badRequest(`the name of the object (${String(cm['name'] ?? '')}) does not match the name on the URL (${name})`);
    if (rt.namespaced) {
      if (cm['namespace'] !== undefined && cm['namespace'] !== '' && cm['namespace'] !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      cm['namespace'] = namespace;
    }
    const ctx = this.fieldContext(rt);
    const subresource = opts.status ? 'status' : (opts.subresource ?? '');
    const run = (live: Obj | undefined): Obj => {
      try {
        const r = applyConfiguration(ctx, live, config, opts.manager, subresource, opts.force);
        if (r.managedFields) meta(r.object)['managedFields'] = r.managedFields;
        return r.object;
      } catch (err) {
        if (err instanceof ApplyConflictError) throw conflictStatus(err);
        if (err instanceof TypedError) throw errors.badRequest(`failed to create typed patch object (${rt.apiVersion}, Kind=${rt.kind}): ${err.message}`);
        throw err;
      }
    };
    const key = this.key(rt, namespace, name);
    // Create and update race with other writers: a create that finds the object, or an update that does not, tries again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const exists = this.deps.cache.get(this.definition(rt).storageResource, key) !== undefined || (await this.deps.store.get(key)) !== undefined;
      if (!exists && subresource === '') {
        try {
          const r = await this.create(rt, namespace, run(undefined), { ...opts, applied: true });
          return { ...r, warnings: [...warnings, ...r.warnings], created: true };
        } catch (err) {
          if (err instanceof StatusError && err.reason === 'AlreadyExists') continue;
          throw err;
        }
      }
      try {
        const r = await this.modify(rt, namespace, name, (current) => run(current as Obj), { ...opts, applied: true, subresource: opts.subresource });
        return { ...r, warnings: [...warnings, ...r.warnings], created: false };
      } catch (err) {
        if (err instanceof StatusError && err.code === 404 && subresource === '') continue;
        throw err;
      }
    }
    throw errors.conflict(this.target(rt, name), 'too many concurrent writes; please try again');
  }

  async delete(rt: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    const strategy = this.strategy(rt);
    const refusal = strategy.undeletable?.(name);
    if (refusal) throw errors.forbidden(this.target(rt, name), refusal);
    const key = this.key(rt, namespace, name);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const kv = await this.deps.store.get(key);
      if (!kv) throw errors.notFound(this.target(rt, name));
      const current = decodeStored(kv.value, kv.modRevision);
      const cm = meta(current);
      const pre = opts.preconditions ?? {};
      if (pre.uid && pre.uid !== cm['uid']) {
        throw errors.conflict(this.target(rt, name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(cm['uid'])}`);
      }
      if (pre.resourceVersion && pre.resourceVersion !== cm['resourceVersion']) {
        throw errors.conflict(
          this.target(rt, name),
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(cm['resourceVersion'])}`,
        );
      }
      const next = clone(current);
      const nm = meta(next);
      const finalizers = new Set<string>(((nm['finalizers'] as string[] | undefined) ?? []).filter((f) => typeof f === 'string'));
      const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : undefined);
      if (policy === 'Orphan') {
        finalizers.add('orphan');
        finalizers.delete('foregroundDeletion');
      } else if (policy === 'Foreground') {
        finalizers.add('foregroundDeletion');
        finalizers.delete('orphan');
      }
      if (finalizers.size > 0) nm['finalizers'] = [...finalizers];
      let grace = strategy.gracePeriod ? strategy.gracePeriod(current, opts.gracePeriodSeconds) : 0;
      const existingGrace = nm['deletionGracePeriodSeconds'];
      if (nm['deletionTimestamp'] && typeof existingGrace === 'number' && grace > existingGrace) grace = existingGrace;
      const waits = finalizers.size > 0 || grace > 0 || strategy.finalizing?.(next) === true;
      if (!waits) {
        if (opts.dryRun) return { object: current, deleted: true };
        try {
          const gone = await this.deps.store.delete(key, kv.modRevision);
          this.allocator(rt)?.release(current);
          cm['resourceVersion'] = String(gone.modRevision);
          return { object: current, deleted: true };
        } catch (err) {
          if (err instanceof ConflictError || err instanceof KeyNotFoundError) continue;
          throw err;
        }
      }
      // Graceful: mark for deletion; the kubelet, a controller or a finalizer's owner finishes it.
      const now = this.now();
      if (!nm['deletionTimestamp'] || grace !== existingGrace) {
        nm['deletionTimestamp'] = metaTime(now + grace * 1000);
        nm['deletionGracePeriodSeconds'] = grace;
      }
      strategy.prepareForDelete?.(next);
      if (withoutVolatile(next) === withoutVolatile(current)) return { object: current, deleted: false };
      if (opts.dryRun) return { object: next, deleted: false };
      try {
        const updated = await this.deps.store.update(key, serialize(next), kv.modRevision);
        nm['resourceVersion'] = String(updated.modRevision);
        return { object: next, deleted: false };
      } catch (err) {
        if (err instanceof ConflictError || err instanceof KeyNotFoundError) continue;
        throw err;
      }
    }
    throw errors.conflict(this.target(rt, name), 'too many concurrent writes; please try again');
  }

  /**
   * Lists objects. Unpaged lists come from the watch cache after it has caught
   * up with the store (a consistent read); paged lists and exact-revision
   * lists read the store at one revision so every page shows one snapshot.
   */
  async list(rt: ResourceType, namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    const storage = this.definition(rt).storageResource;
    const prefix = listPrefix(storage, rt.namespaced ? namespace : undefined);
    const filter = opts.filter ?? (() => true);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const rv = opts.resourceVersion;
    const parsed = parseResourceVersion(rv);
    const rvNum = parsed === undefined ? undefined : revisionAtMost(parsed, this.deps.store.currentRevision());
    if (!limit && !opts.continue && opts.resourceVersionMatch !== 'Exact') {
      if (rv !== '0') await this.deps.cache.fresh();
      if (rvNum !== undefined) await this.deps.cache.waitFor(rvNum);
      const items = this.deps.cache
        .list(storage, prefix)
        .filter(filter)
        .map((o) => clone(o));
      return { items, resourceVersion: String(this.deps.cache.revision) };
    }
    let revision = opts.resourceVersionMatch === 'Exact' && rvNum !== undefined ? rvNum : 0;
    let after: string | undefined;
    if (opts.continue) {
      const c = decodeContinue(opts.continue, prefix, this.deps.store.currentRevision());
      revision = c.revision;
      after = c.after;
    }
    const items: Obj[] = [];
    let lastKey: string | undefined;
    let more = false;
    try {
      for (;;) {
        // A revision or limit of 0 is the store's current revision, all items.
        const page = await this.deps.store.list(prefix, { revision, after, limit: limit ? Math.max(limit - items.length, 1) : undefined });
        revision = page.revision;
        let consumed = 0;
        for (const kv of page.items) {
          consumed++;
          lastKey = kv.key;
          const obj = decodeStored(kv.value, kv.modRevision);
          if (filter(obj)) items.push(obj);
          if (limit && items.length >= limit) break;
        }
        if (limit && items.length >= limit) {
          more = consumed < page.items.length || page.more;
          break;
        }
        if (!page.more) break;
        after = lastKey;
      }
    } catch (err) {
      if (err instanceof CompactedError) {
        throw errors.gone(
          opts.continue
            ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
            : `too old resource version: ${revision} (${err.message})`,
        );
      }
      throw err;
    }
    const result: ListResult = { items, resourceVersion: String(revision) };
    if (more && lastKey !== undefined) result.continue = encodeContinue(revision, lastKey);
    return result;
  }
}
