/**
 * The OpenAPI documents the API server publishes, built from the inline schemas:
 *
 * - `/openapi/v2`: one swagger 2.0 document (`buildOpenAPIV2`);
 * - `/openapi/v3`: an index of group-versions (`buildOpenAPIV3Index`) and one OpenAPI 3.0
 *   document per group-version (`buildOpenAPIV3('apis/apps/v1')`).
 *
 * What kubectl 1.32 reads from them: `apply` looks, in the group-version's v3 document, for a
 * PATCH operation whose `x-kubernetes-group-version-kind` (an object) is the kind's and whose
 * request body accepts `application/strategic-merge-patch+json`; it then finds the schema in
 * `components.schemas` whose `x-kubernetes-group-version-kind` (a list) holds the kind, and
 * walks its properties (following `$ref`, or the first `allOf` entry) for
 * `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`. Default validation asks
 * whether that PATCH operation has a `fieldValidation` query parameter, and if so leaves
 * validation to the server. `kubectl explain` walks the same schemas.
 *
 * Subtrees marked `x-mk8s-definition` are hoisted into named definitions, referenced the way
 * Kubernetes names them; mk8s-only keys are stripped. Documents are built once per list of served types and cached.
 */
import { createHash } from 'node:crypto';
import { KIND_SCHEMAS } from './resources.js';
import type { KindSchema, ResourceType } from './resources.js';
import { ListMetaSchema } from './schemas/meta.js';
import { DEFINITION_KEY, META, PATCH_MERGE_KEY, PATCH_STRATEGY, QUANTITY_KEY } from './schemas/schema-kit.js';

type Json = Record<string, unknown>;

/** The Kubernetes release whose API this one mirrors, as published in `info.version`. */
export const OPENAPI_INFO = { title: 'Kubernetes', version: 'v1.32.0' } as const;

export const GVK_EXTENSION = 'x-kubernetes-group-version-kind';
export const ACTION_EXTENSION = 'x-kubernetes-action';

const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

interface GVK {
  group: string;
  version: string;
  kind: string;
}

interface Flavor {
  v3: boolean;
  refPrefix: string;
}

const V2: Flavor = { v3: false, refPrefix: '#/definitions/' };
const V3: Flavor = { v3: true, refPrefix: '#/components/schemas/' };

/** Shapes Kubernetes publishes for its scalar definitions, which our schemas mark inline. */
function scalarDefinition(name: string, flavor: Flavor): Json | undefined {
  switch (name) {
    case `${META}Time`:
    case `${META}MicroTime`:
      return { type: 'string', format: 'date-time' };
    case 'io.k8s.apimachinery.pkg.api.resource.Quantity':
      return flavor.v3 ? { oneOf: [{ type: 'string' }, { type: 'number' }] } : { type: 'string' };
    case 'io.k8s.apimachinery.pkg.util.intstr.IntOrString':
      return flavor.v3 ? { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] } : { type: 'string', format: 'int-or-string' };
    default:
      return undefined;
  }
}

/** Keys that describe how a field is used (patch strategy), not the definition it refers to. */
const USAGE_KEYS = new Set([PATCH_STRATEGY, PATCH_MERGE_KEY, 'description']);
const PRIVATE_KEYS = new Set([DEFINITION_KEY, QUANTITY_KEY]);

/** Collects named definitions while converting inline schemas to published ones. */
class Definitions {
  readonly byName = new Map<string, Json>();

  constructor(private readonly flavor: Flavor) {}

  /** Registers `schema` under its own definition name (if any) and returns a reference to it. */
  define(schema: Json, extra: Json = {}): Json {
    const name = schema[DEFINITION_KEY];
    if (typeof name !== 'string') return this.convert(schema);
    if (!this.byName.has(name)) {
      this.byName.set(name, {}); // placeholder: a definition may reach itself
      this.byName.set(name, { ...(scalarDefinition(name, this.flavor) ?? this.body(schema)), ...extra });
    } else if (Object.keys(extra).length > 0) {
      Object.assign(this.byName.get(name)!, extra);
    }
    return { $ref: this.flavor.refPrefix + name };
  }

  /** A schema node as used at one place: a reference (plus usage annotations) or an inline schema. */
  convert(schema: Json): Json {
    if (typeof schema[DEFINITION_KEY] !== 'string') return this.body(schema);
    const ref = this.define(schema);
    const usage: Json = {};
    for (const key of USAGE_KEYS) if (schema[key] !== undefined) usage[key] = schema[key];
    if (Object.keys(usage).length === 0) return ref;
    // OpenAPI 3 ignores siblings of `$ref`, so Kubernetes wraps the reference in `allOf`.
    return this.flavor.v3 ? { allOf: [ref], ...usage } : { ...ref, ...usage };
  }

  /** The content of a schema node (never a reference to itself). */
  private body(schema: Json): Json {
    const out: Json = {};
    for (const [key, value] of Object.entries(schema)) {
      if (PRIVATE_KEYS.has(key)) continue;
      if (typeof schema[DEFINITION_KEY] === 'string' && USAGE_KEYS.has(key) && key !== 'description') continue;
      if (key === 'properties' && isObject(value)) {
        const props: Json = {};
        for (const [name, prop] of Object.entries(value)) props[name] = this.convert(prop as Json);
        out[key] = props;
      } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
        out[key] = this.convert(value);
      } else if (key === 'patternProperties' && isObject(value)) {
        const first = Object.values(value)[0];
        if (isObject(first)) out['additionalProperties'] = this.convert(first);
      } else if (key === 'anyOf' && Array.isArray(value)) {
        out[key] = value.map((v) => (isObject(v) ? this.convert(v) : v));
      } else {
        out[key] = value;
      }
    }
    return out;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function gvkOf(apiVersion: string, kind: string): GVK {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
}

/** `api/v1` or `apis/<group>/<version>`: the key of a group-version in the v3 index. */
export function groupVersionPath(apiVersion: string): string {
  const { group, version } = gvkOf(apiVersion, '');
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function listSchema(r: ResourceType): Json {
  return {
    [DEFINITION_KEY]: `${r.definition}List`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      items: { type: 'array', items: r.schema },
      kind: { type: 'string' },
      metadata: ListMetaSchema,
    },
  };
}

/** Registers the kinds of `resources` (and what their endpoints speak) into `defs`. */
function addKinds(defs: Definitions, resources: readonly ResourceType[], apiVersions: readonly string[]): void {
  for (const r of resources) {
    defs.define(r.schema as unknown as Json, { [GVK_EXTENSION]: [gvkOf(r.apiVersion, r.kind)] });
    defs.define(listSchema(r), { [GVK_EXTENSION]: [gvkOf(r.apiVersion, r.listKind)] });
    for (const sub of r.subresources) {
      const kind = subresourceKind(sub);
      if (kind) defs.define(kind.schema as unknown as Json, { [GVK_EXTENSION]: [gvkOf(kind.apiVersion, kind.kind)] });
    }
  }
  // meta.k8s.io kinds that every group-version's endpoints speak.
  const perGroupVersion = (kind: string): Json => ({
    [GVK_EXTENSION]: apiVersions.map((v) => gvkOf(v, kind)),
  });
  defs.define(KIND_SCHEMAS['DeleteOptions']!.schema as unknown as Json, perGroupVersion('DeleteOptions'));
  defs.define(KIND_SCHEMAS['WatchEvent']!.schema as unknown as Json, perGroupVersion('WatchEvent'));
  defs.define(KIND_SCHEMAS['Status']!.schema as unknown as Json, { [GVK_EXTENSION]: [gvkOf('v1', 'Status')] });
  defs.define({ [DEFINITION_KEY]: `${META}Patch`, type: 'object' });
}

function subresourceKind(sub: string): KindSchema | undefined {
  if (sub === 'scale') return KIND_SCHEMAS['Scale'];
  if (sub === 'binding') return KIND_SCHEMAS['Binding'];
  if (sub === 'eviction') return KIND_SCHEMAS['Eviction'];
  return undefined;
}

// Paths

interface Param {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'integer' | 'boolean';
  required?: boolean;
}

const q = (name: string, type: Param['type'] = 'string'): Param => ({ name, in: 'query', type });
const LIST_PARAMS: Param[] = [
  q('allowWatchBookmarks', 'boolean'),
  q('continue'),
  q('fieldSelector'),
  q('labelSelector'),
  q('limit', 'integer'),
  q('resourceVersion'),
  q('resourceVersionMatch'),
  q('sendInitialEvents', 'boolean'),
  q('timeoutSeconds', 'integer'),
  q('watch', 'boolean'),
];
const WRITE_PARAMS: Param[] = [q('dryRun'), q('fieldManager'), q('fieldValidation')];
const PATCH_PARAMS: Param[] = [...WRITE_PARAMS, q('force', 'boolean')];
const DELETE_PARAMS: Param[] = [q('dryRun'), q('gracePeriodSeconds', 'integer'), q('orphanDependents', 'boolean'), q('propagationPolicy')];

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  action: string;
  operationId: string;
  gvk: GVK;
  params: Param[];
  /** Definition names of request and response bodies. */
  request?: string;
  response: string;
  /** The patch media types a PATCH takes (none: not a patch). */
  patch?: readonly string[];
}

interface PathItem {
  path: string;
  params: Param[];
  operations: Operation[];
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/**
 * What a kind's PATCH takes. Custom resources take no strategic merge patch
 * (kubectl's client-side apply then sends a merge patch, as against Kubernetes).
 */
function patchTypes(r: ResourceType): readonly string[] {
  return r.strategicMergePatch === false ? PATCH_CONTENT_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json') : PATCH_CONTENT_TYPES;
}

function resourcePaths(r: ResourceType): PathItem[] {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const idBase = `${pascal(r.group.replace(/\.k8s\.io$/, '')) || 'Core'}${pascal(r.version)}`;
  const gvk = gvkOf(r.apiVersion, r.kind);
  const listGvk = gvkOf(r.apiVersion, r.listKind);
  const nsParam: Param[] = r.namespaced ? [{ name: 'namespace', in: 'path', type: 'string', required: true }] : [];
  const nameParam: Param = { name: 'name', in: 'path', type: 'string', required: true };
  const pretty = q('pretty');
  const base = `${prefix}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
  const item = r.definition;
  const paths: PathItem[] = [
    {
      path: base,
      params: [...nsParam, pretty],
      operations: [
        { method: 'get', action: 'list', operationId: `list${idBase}${scope}${r.kind}`, gvk, params: LIST_PARAMS, response: `${item}List` },
        { method: 'post', action: 'post', operationId: `create${idBase}${scope}${r.kind}`, gvk, params: WRITE_PARAMS, request: item, response: item },
        {
          method: 'delete',
          action: 'deletecollection',
          operationId: `deletecollection${idBase}${scope}${r.kind}`,
          gvk,
          params: [...DELETE_PARAMS, ...LIST_PARAMS],
          request: `${META}DeleteOptions`,
          response: `${META}Status`,
        },
      ],
    },
    {
      path: `${base}/{name}`,
      params: [nameParam, ...nsParam, pretty],
      operations: [
        { method: 'get', action: 'get', operationId: `read${idBase}${scope}${r.kind}`, gvk, params: [], response: item },
        { method: 'put', action: 'put', operationId: `replace${idBase}${scope}${r.kind}`, gvk, params: WRITE_PARAMS, request: item, response: item },
        {
          method: 'patch',
          action: 'patch',
          operationId: `patch${idBase}${scope}${r.kind}`,
          gvk,
          params: PATCH_PARAMS,
          request: `${META}Patch`,
          response: item,
          patch: patchTypes(r),
        },
        {
          method: 'delete',
          action: 'delete',
          operationId: `delete${idBase}${scope}${r.kind}`,
          gvk,
          params: DELETE_PARAMS,
          request: `${META}DeleteOptions`,
          response: item,
        },
      ],
    },
  ];
  if (r.namespaced) {
    paths.push({
      path: `${prefix}/${r.resource}`,
      params: [pretty],
      operations: [
        { method: 'get', action: 'list', operationId: `list${idBase}${r.kind}ForAllNamespaces`, gvk: listGvk, params: LIST_PARAMS, response: `${item}List` },
      ],
    });
  }
  for (const sub of r.subresources) {
    const subPath = `${base}/{name}/${sub}`;
    const params = [nameParam, ...nsParam, pretty];
    const kindName = `${scope}${r.kind}${pascal(sub)}`;
    if (sub === 'status') {
      paths.push({
        path: subPath,
        params,
        operations: [
          { method: 'get', action: 'get', operationId: `read${idBase}${kindName}`, gvk, params: [], response: item },
          { method: 'put', action: 'put', operationId: `replace${idBase}${kindName}`, gvk, params: WRITE_PARAMS, request: item, response: item },
          {
            method: 'patch',
            action: 'patch',
            operationId: `patch${idBase}${kindName}`,
            gvk,
            params: PATCH_PARAMS,
            request: `${META}Patch`,
            response: item,
            patch: patchTypes(r),
          },
        ],
      });
    } else if (sub === 'scale') {
      const scale = KIND_SCHEMAS['Scale']!;
      const sgvk = gvkOf(scale.apiVersion, scale.kind);
      paths.push({
        path: subPath,
        params,
        operations: [
          { method: 'get', action: 'get', operationId: `read${idBase}${kindName}`, gvk: sgvk, params: [], response: scale.definition },
          {
            method: 'put',
            action: 'put',
            operationId: `replace${idBase}${kindName}`,
            gvk: sgvk,
            params: WRITE_PARAMS,
            request: scale.definition,
            response: scale.definition,
          },
          {
            method: 'patch',
            action: 'patch',
            operationId: `patch${idBase}${kindName}`,
            gvk: sgvk,
            params: PATCH_PARAMS,
            request: `${META}Patch`,
            response: scale.definition,
            patch: patchTypes(r),
          },
        ],
      });
    } else if (sub === 'binding' || sub === 'eviction') {
      const kind = subresourceKind(sub)!;
      paths.push({
        path: subPath,
        params,
        operations: [
          {
            method: 'post',
            action: 'post',
            operationId: `create${idBase}${kindName}`,
            gvk: gvkOf(kind.apiVersion, kind.kind),
            params: WRITE_PARAMS,
            request: kind.definition,
            response: kind.definition,
          },
        ],
      });
    }
  }
  return paths;
}

function renderParam(p: Param, flavor: Flavor): Json {
  const required = p.required ? { required: true } : {};
  if (flavor.v3) return { name: p.name, in: p.in, ...required, schema: { type: p.type, uniqueItems: true } };
  return { name: p.name, in: p.in, ...required, type: p.type, uniqueItems: true };
}

function renderOperation(op: Operation, flavor: Flavor, tag: string): Json {
  const ref = (name: string): Json => ({ $ref: flavor.refPrefix + name });
  const out: Json = { operationId: op.operationId, tags: [tag] };
  const params = op.params.map((p) => renderParam(p, flavor));
  if (flavor.v3) {
    out['parameters'] = params;
    if (op.request) {
      const types: readonly string[] = op.patch ?? ['*/*'];
      out['requestBody'] = {
        content: Object.fromEntries(types.map((t) => [t, { schema: ref(op.request!) }])),
        required: op.method !== 'delete',
      };
    }
    out['responses'] = {
      '200': { description: 'OK', content: { 'application/json': { schema: ref(op.response) } } },
      '401': { description: 'Unauthorized' },
    };
  } else {
    if (op.request) params.push({ name: 'body', in: 'body', required: op.method !== 'delete', schema: ref(op.request) });
    out['parameters'] = params;
    out['consumes'] = op.patch ? [...op.patch] : ['*/*'];
    out['produces'] = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
    out['schemes'] = ['https'];
    out['responses'] = { '200': { description: 'OK', schema: ref(op.response) }, '401': { description: 'Unauthorized' } };
  }
  out[ACTION_EXTENSION] = op.action;
  out[GVK_EXTENSION] = op.gvk;
  return out;
}

function renderPaths(resources: readonly ResourceType[], flavor: Flavor): Json {
  const paths: Json = {};
  for (const r of resources) {
    const tag = `${(r.group || 'core').replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${r.version}`;
    for (const item of resourcePaths(r)) {
      const rendered: Json = {};
      for (const op of item.operations) rendered[op.method] = renderOperation(op, flavor, tag);
      rendered['parameters'] = item.params.map((p) => renderParam(p, flavor));
      paths[item.path] = rendered;
    }
  }
  return paths;
}

function sortedObject(map: Map<string, Json>): Json {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function apiVersions(types: readonly ResourceType[]): string[] {
  return [...new Set(types.map((r) => r.apiVersion))];
}

// Documents

interface Cached {
  v2?: Json;
  v3: Map<string, Json>;
}

/** Documents per list of served types (the API server keeps one list per set of served resources). */
const cache = new WeakMap<readonly ResourceType[], Cached>();

function cachedFor(types: readonly ResourceType[]): Cached {
  let c = cache.get(types);
  if (!c) cache.set(types, (c = { v3: new Map() }));
  return c;
}

/** The swagger 2.0 document served at `/openapi/v2` (JSON form) for the served `types`. */
export function buildOpenAPIV2(types: readonly ResourceType[]): Json {
  const c = cachedFor(types);
  if (!c.v2) {
    const defs = new Definitions(V2);
    addKinds(defs, types, apiVersions(types));
    c.v2 = {
      swagger: '2.0',
      info: { ...OPENAPI_INFO },
      paths: renderPaths(types, V2),
      definitions: sortedObject(defs.byName),
    };
  }
  return c.v2;
}

/**
 * The OpenAPI 3.0 document of one group-version of `types`, keyed as in the index (`api/v1`,
 * `apis/apps/v1`; a leading `/` is ignored), or `undefined` for one not served.
 */
export function buildOpenAPIV3(types: readonly ResourceType[], groupVersionPathKey: string): Json | undefined {
  const key = groupVersionPathKey.replace(/^\/+/, '');
  const c = cachedFor(types);
  const cached = c.v3.get(key);
  if (cached) return cached;
  const resources = types.filter((r) => groupVersionPath(r.apiVersion) === key);
  if (resources.length === 0) return undefined;
  const defs = new Definitions(V3);
  addKinds(defs, resources, [resources[0]!.apiVersion]);
  const doc: Json = {
    openapi: '3.0.0',
    info: { ...OPENAPI_INFO },
    paths: renderPaths(resources, V3),
    components: { schemas: sortedObject(defs.byName) },
  };
  c.v3.set(key, doc);
  return doc;
}

export interface OpenAPIV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

/**
 * The `/openapi/v3` index. Each URL carries the hash of its document, so clients may cache
 * a document for as long as its URL stays the same.
 */
export function buildOpenAPIV3Index(types: readonly ResourceType[]): OpenAPIV3Index {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const apiVersion of apiVersions(types)) {
    const key = groupVersionPath(apiVersion);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openAPIHash(buildOpenAPIV3(types, key)!)}` };
  }
  return { paths };
}

/** Stable content hash of a document (upper-case hex SHA-512 of its JSON, as Kubernetes prints it). */
export function openAPIHash(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}
