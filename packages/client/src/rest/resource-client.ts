/**
 * A typed client for one REST resource (client-go's typed clients and
 * dynamic resource interface in one): CRUD, patch, status, list (one page or
 * all), and watch, at Kubernetes' paths.
 */
import { ApiError, isGone } from '../errors.js';
import type { KubeObject, ListOptions, ListerWatcher, ObjectList, WatchEvent, WatchOptions } from '../types.js';
import { TransportError, type HttpTransport, type QueryValue } from './http.js';
import { watchEvents } from './watch-stream.js';

/** What a client needs to know about a resource; @mk8s/api's ResourceType has all of it. */
export interface ResourceRef {
  /** `''` for the core group. */
  group: string;
  version: string;
  /** Plural lower-case name, as in URLs. */
  resource: string;
  namespaced: boolean;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  /** Validate and answer as if written, but write nothing (`dryRun=All`). */
  dryRun?: boolean;
  /** What the server does with fields it does not know (default on the server: Warn). */
  fieldValidation?: FieldValidation;
  signal?: AbortSignal;
}

export type PatchType = 'json' | 'merge' | 'strategic';

export interface PatchOptions extends WriteOptions {
  /** Patch the `status` subresource instead of the main resource. */
  status?: boolean;
}

export interface DeleteOptions {
  /** Seconds before the object goes; 0 deletes at once. Server default per resource. */
  gracePeriodSeconds?: number;
  /** What happens to dependents (objects whose ownerReferences name this one). */
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** Delete only if the object still has this uid / resourceVersion; else 409 Conflict. */
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface GetOptions {
  signal?: AbortSignal;
}

export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = Object.freeze({
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
});

/**
 * Scoped to one namespace, or to none. Without a namespace, list, watch and
 * deleteCollection of a namespaced resource span all namespaces, and calls
 * by name take the namespace from the object (create/update) or fail.
 * Instances are immutable and cheap; `inNamespace` makes a scoped copy that
 * shares the transport. Subclasses keep the constructor's signature (it is
 * how `inNamespace` copies them).
 */
export class ResourceClient<T extends KubeObject> implements ListerWatcher<T> {
  constructor(
    readonly transport: HttpTransport,
    readonly ref: ResourceRef,
    readonly namespace?: string,
  ) {
    if (namespace !== undefined && !ref.namespaced) throw new TypeError(`${ref.resource} are cluster-scoped: they have no namespace`);
    if (namespace === '') throw new TypeError('namespace must not be empty');
  }

  inNamespace(namespace: string): this {
    const Ctor = this.constructor as new (transport: HttpTransport, ref: ResourceRef, namespace?: string) => this;
    return new Ctor(this.transport, this.ref, namespace);
  }

  async get(name: string, opts: GetOptions = {}): Promise<T> {
    return this.transport.request<T>({ method: 'GET', path: this.path({ name }), signal: opts.signal });
  }

  /** One request: a whole list, or one page when `limit` is set (follow `metadata.continue`). */
  async list(opts: ListOptions & GetOptions = {}): Promise<ObjectList<T>> {
    return this.transport.request<ObjectList<T>>({ method: 'GET', path: this.path({ scope: this.namespace }), query: listQuery(opts), signal: opts.signal });
  }

  /**
   * Every page, following `continue` until the last; the result carries the
   * snapshot's resourceVersion and no `continue`. When a continue token
   * expires (410) midway, falls back to one unpaged list, as client-go's
   * pager does.
   */
  async listAll(opts: ListOptions & GetOptions = {}): Promise<ObjectList<T>> {
    const first = await this.list(opts);
    const items = [...first.items];
    let next = first.metadata.continue;
    while (next) {
      let page: ObjectList<T>;
      try {
        page = await this.list({ ...opts, continue: next });
      } catch (err) {
        if (!isGone(err)) throw err;
        const { limit: _limit, continue: _continue, ...rest } = opts;
        return this.list(rest);
      }
      items.push(...page.items);
      next = page.metadata.continue;
    }
    const { continue: _c, remainingItemCount: _r, ...metadata } = first.metadata;
    return { ...first, metadata, items };
  }

  /**
   * Events from `resourceVersion` (or the current objects as ADDED, then
   * changes, without one). The request starts when iteration starts; a
   * non-2xx answer throws ApiError before the first event; an ERROR event
   * (e.g. 410 Expired) is yielded and then the server ends the stream.
   */
  watch(opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    const path = this.path({ scope: this.namespace });
    const { signal: abortSignal, ...rest } = opts;
    const transport = this.transport;
    const query = { ...listQuery(rest), watch: 'true', allowWatchBookmarks: rest.allowWatchBookmarks ? 'true' : undefined };
    return {
      async *[Symbol.asyncIterator]() {
        let res;
        try {
          res = await transport.stream({ method: 'GET', path, query, signal: abortSignal });
        } catch (err) {
          if (abortSignal?.aborted) return;
          throw err;
        }
        try {
          yield* watchEvents<T>(res, abortSignal);
        } catch (err) {
          if (err instanceof Error && !(err instanceof ApiError)) {
            const url = transport.base.origin + path;
            throw new TransportError(`GET ${url}: the watch stream broke: ${err.message}`, 'GET', url, { cause: err });
          }
          throw err;
        }
      },
    };
  }

  /** The namespace comes from the client's scope, else the object's. Names may be left to `metadata.generateName`. */
  async create(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.transport.request<T>({
      method: 'POST',
      path: this.path({ scope: this.scopeOf(obj, true) }),
      query: writeQuery(opts),
      body: obj,
      signal: opts.signal,
    });
  }

  /** Replaces the object (409 Conflict when `metadata.resourceVersion` is stale); status changes are ignored. */
  async update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.transport.request<T>({
      method: 'PUT',
      path: this.path({ name: nameOf(obj), scope: this.scopeOf(obj) }),
      query: writeQuery(opts),
      body: obj,
      signal: opts.signal,
    });
  }

  /** Replaces only the status (through the `status` subresource); spec changes are ignored. */
  async updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.transport.request<T>({
      method: 'PUT',
      path: this.path({ name: nameOf(obj), scope: this.scopeOf(obj), subresource: 'status' }),
      query: writeQuery(opts),
      body: obj,
      signal: opts.signal,
    });
  }

  /** `patch` is a JSON Patch array for 'json', an object for 'merge' and 'strategic' (a string is sent as is). */
  async patch(name: string, patch: unknown, type: PatchType, opts: PatchOptions = {}): Promise<T> {
    const contentType = PATCH_CONTENT_TYPES[type];
    if (!contentType) throw new TypeError(`unknown patch type ${String(type)}: use json, merge or strategic`);
    return this.transport.request<T>({
      method: 'PATCH',
      path: this.path({ name, subresource: opts.status ? 'status' : undefined }),
      query: writeQuery(opts),
      body: patch,
      contentType,
      signal: opts.signal,
    });
  }

  /**
   * Deletes or marks for deletion; resolves with what the server answers: the
   * object as it was deleted, or as marked (with `deletionTimestamp`) while
   * finalizers or a grace period hold it.
   */
  async delete(name: string, opts: DeleteOptions = {}): Promise<T> {
    return this.transport.request<T>({ method: 'DELETE', path: this.path({ name }), body: deleteBody(opts), signal: opts.signal });
  }

  /** Deletes every object the selectors match in the client's scope; resolves with the list of what was deleted or marked. */
  async deleteCollection(opts: ListOptions & DeleteOptions = {}): Promise<ObjectList<T>> {
    const { labelSelector, fieldSelector } = opts;
    return this.transport.request<ObjectList<T>>({
      method: 'DELETE',
      path: this.path({ scope: this.namespace }),
      query: { labelSelector, fieldSelector },
      body: deleteBody(opts),
      signal: opts.signal,
    });
  }

  /**
   * The URL path of the collection (`name` unset) or of one object; `scope`
   * defaults to the client's namespace. Namespaced resources addressed by
   * name need a namespace: without one this throws.
   */
  path(at: { name?: string; scope?: string | undefined; subresource?: string } = {}): string {
    const { group, version, resource, namespaced } = this.ref;
    const scope = 'scope' in at ? at.scope : this.namespace;
    let p = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    if (namespaced && scope !== undefined) p += `/namespaces/${encodeURIComponent(scope)}`;
    else if (namespaced && at.name !== undefined) {
      throw new TypeError(`${resource} are namespaced: name a namespace (inNamespace) to address ${at.name}`);
    }
    p += `/${resource}`;
    if (at.name !== undefined) {
      if (at.name === '') throw new TypeError(`a ${resource} name must not be empty`);
      p += `/${encodeURIComponent(at.name)}`;
    }
    if (at.subresource) p += `/${at.subresource}`;
    return p;
  }

  /** Namespace for a write of `obj`: the client's, else the object's; required for namespaced resources. */
  private scopeOf(obj: T, collection = false): string | undefined {
    if (!this.ref.namespaced) return undefined;
    const ns = this.namespace ?? obj.metadata?.namespace;
    if (ns === undefined || ns === '') {
      const what = collection ? 'create' : `write ${nameOf(obj)}`;
      throw new TypeError(`${this.ref.resource} are namespaced: set metadata.namespace or use inNamespace to ${what}`);
    }
    return ns;
  }
}

function nameOf(obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new TypeError('the object has no metadata.name');
  return name;
}

function listQuery(opts: ListOptions): Record<string, QueryValue> {
  return {
    labelSelector: opts.labelSelector || undefined,
    fieldSelector: opts.fieldSelector || undefined,
    limit: opts.limit,
    continue: opts.continue || undefined,
    resourceVersion: opts.resourceVersion,
    resourceVersionMatch: opts.resourceVersionMatch,
    timeoutSeconds: opts.timeoutSeconds,
  };
}

function writeQuery(opts: WriteOptions): Record<string, QueryValue> {
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldValidation: opts.fieldValidation };
}

/** A DeleteOptions body, or none when nothing is asked (the server's defaults apply). */
function deleteBody(opts: DeleteOptions): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = {};
  if (opts.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = opts.gracePeriodSeconds;
  if (opts.propagationPolicy) body['propagationPolicy'] = opts.propagationPolicy;
  if (opts.preconditions) body['preconditions'] = opts.preconditions;
  if (opts.dryRun) body['dryRun'] = ['All'];
  if (Object.keys(body).length === 0) return undefined;
  return { apiVersion: 'v1', kind: 'DeleteOptions', ...body };
}
