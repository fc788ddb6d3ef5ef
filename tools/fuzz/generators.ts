/**
 * fast-check arbitraries for every request the fuzzer sends. Classes:
 *
 *   mutate.*    a VALID seed of a served kind, corrupted by a mutation plan,
 *               sent as POST, PUT, or PATCH (json, merge, strategic, apply);
 *   crud.*      well-formed churn (create, get, list, update, patch, delete)
 *               so that list/get and watch/list checks see real history;
 *   protocol.*  path, query, header and framing abuse of the HTTP surface.
 *
 * Contracts: generation depends only on the seed and on `FuzzTargets` (what
 * discovery returned), never on server responses, so a seed and a request
 * index reproduce a request exactly. Names: the mutation and churn classes
 * touch only `fz-a`..`fz-c` (and objects inside the `fz` namespace); the
 * sentinel namespace is reached only through paths that must NOT resolve to
 * it (dot segments, encoded slashes), and the system namespaces only through
 * the `protocol.system-ns` class, which Kubernetes refuses.
 */
import fc from 'fast-check';
import { collectionPath, groupVersionPrefix, itemPath, KUBELET_BACKED_GROUPS, PROXYING_SUBRESOURCES, type ServedResource } from './discovery.js';
import type { FuzzRequest } from './fuzz-request.js';
import { applyPlan, mutationPlan, weirdValue } from './mutations.js';
import { fromJson, lit, render, strLit, type RawJson } from './raw-json.js';
import { seedFor, type Json } from './seeds.js';

export const FUZZ_NS = 'fz';
export const SENTINEL_NS = 'fz-sentinel';
export const SENTINEL_CONFIGMAP = 'keep';
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
export const NAMES = ['fz-a', 'fz-b', 'fz-c'];

export interface FuzzTargets {
  resources: ServedResource[];
}

const JSON_CT: [string, string] = ['Content-Type', 'application/json'];
const ACCEPT: [string, string] = ['Accept', 'application/json'];

const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** `/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale`: the dedup key's path part. */
export function shapeOf(r: ServedResource, opts: { ns?: boolean; name?: boolean; suffix?: string } = {}): string {
  const ns = r.namespaced && opts.ns !== false ? '/namespaces/{ns}' : '';
  const name = opts.name ? '/{name}' : '';
  const sub = opts.name && r.sub ? `/${r.sub}` : '';
  return `${groupVersionPrefix(r)}${ns}/${r.resource}${name}${sub}${opts.suffix ?? ''}`;
}

const has = (r: ServedResource, ...verbs: string[]): boolean => verbs.some((v) => r.verbs.includes(v));
const fuzzable = (r: ServedResource): boolean => !PROXYING_SUBRESOURCES.has(r.sub ?? '') && !KUBELET_BACKED_GROUPS.has(r.group);

/** Resources (no subresource) the churn and abuse classes address. */
export function mainResources(t: FuzzTargets): ServedResource[] {
  return t.resources.filter((r) => r.sub === undefined && fuzzable(r));
}

type WriteOp = 'post' | 'put' | 'patch-json' | 'patch-merge' | 'patch-strategic' | 'apply';

/** Every (resource, write operation) pair the served verbs allow, subresources included. */
export function writeTargets(t: FuzzTargets): Array<{ r: ServedResource; op: WriteOp }> {
  const out: Array<{ r: ServedResource; op: WriteOp }> = [];
  for (const r of t.resources.filter(fuzzable)) {
    if (has(r, 'create')) out.push({ r, op: 'post' });
    if (has(r, 'update')) out.push({ r, op: 'put' });
    if (has(r, 'patch')) for (const op of ['patch-json', 'patch-merge', 'patch-strategic', 'apply'] as const) out.push({ r, op });
  }
  return out;
}

function seedRaw(r: ServedResource, name: string): RawJson {
  return fromJson(seedFor(r, FUZZ_NS, name) as Json);
}

// ---------------------------------------------------------------- mutate.*

const PATCH_PATHS = [
  '/metadata/labels/a',
  '/metadata/labels',
  '/metadata/annotations/x~1y',
  '/metadata/name',
  '/metadata/namespace',
  '/metadata/resourceVersion',
  '/metadata/uid',
  '/metadata/finalizers/-',
  '/metadata/ownerReferences',
  '/metadata/deletionTimestamp',
  '/spec',
  '/spec/replicas',
  '/spec/containers/0/image',
  '/spec/containers/-',
  '/spec/containers/999',
  '/spec/containers/01',
  '/spec/containers/-1',
  '/spec/containers/1e0',
  '/spec/template/spec/containers/0/name',
  '/spec/selector',
  '/data/a',
  '/data',
  '/status',
  '/status/phase',
  '/kind',
  '/apiVersion',
  '',
  '/',
  '//',
  '/-',
  '/~2',
  '/~',
  '/__proto__/polluted',
  '/constructor/prototype/polluted',
  '/metadata/__proto__/x',
  '/a/b/c/d/e',
  '/ключ',
];

const jsonPatchOp: fc.Arbitrary<RawJson> = fc
  .record({
    op: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'test', 'move', 'copy') },
      { weight: 1, arbitrary: fc.constantFrom('', 'bogus', 'ADD', '__proto__') },
    ),
    path: fc.constantFrom(...PATCH_PATHS),
    from: fc.constantFrom(...PATCH_PATHS),
    value: fc.oneof(weirdValue, fc.constantFrom('"x"', '{"a":"b"}', '1', '[]').map(lit)),
    omit: fc.constantFrom('none', 'none', 'none', 'op', 'path', 'value'),
  })
  .map(({ op, path, from, value, omit }) => {
    const entries: Array<[string, RawJson]> = [];
    if (omit !== 'op') entries.push(['"op"', strLit(op)]);
    if (omit !== 'path') entries.push(['"path"', strLit(path)]);
    if (op === 'move' || op === 'copy') entries.push(['"from"', strLit(from)]);
    if (omit !== 'value' && op !== 'remove' && op !== 'move' && op !== 'copy') entries.push(['"value"', value]);
    return { t: 'obj' as const, entries };
  });

/** A JSON patch document: a few operations, rarely not an array or over Kubernetes' 10 000-operation limit. */
const jsonPatchBody: fc.Arbitrary<{ body: string; note: string }> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .array(jsonPatchOp, { minLength: 1, maxLength: 4 })
      .map((ops) => ({ body: render({ t: 'arr', items: ops }), note: `json-patch ${ops.length} ops` })),
  },
  { weight: 1, arbitrary: fc.constantFrom('{}', '[]', 'null', '"x"', '[[]]', '[null]', '[{}]').map((b) => ({ body: b, note: 'json-patch non-list' })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(10_001, 2000).map((n) => ({
      body: `[${Array.from({ length: n }, (_, i) => `{"op":"add","path":"/metadata/labels/l${i}","value":"v"}`).join(',')}]`,
      note: `json-patch ${n} ops`,
    })),
  },
);

const pathNs = fc.oneof({ weight: 9, arbitrary: fc.constant(FUZZ_NS) }, { weight: 1, arbitrary: fc.constant('fz-missing') });

function mutateArb(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const targets = writeTargets(t);
  return fc
    .record({
      target: fc.constantFrom(...targets),
      name: fc.constantFrom(...NAMES),
      ns: pathNs,
      plan: mutationPlan,
      jsonPatch: jsonPatchBody,
      options: fc.constantFrom('', '', '', '?fieldValidation=Strict', '?fieldValidation=Ignore', '?dryRun=All', '?fieldManager=fuzz'),
      force: fc.boolean(),
    })
    .map(({ target: { r, op }, name, ns, plan, jsonPatch, options, force }): FuzzRequest => {
      const isItem = op !== 'post' || r.sub !== undefined;
      const path = isItem ? itemPath(r, ns, name) : collectionPath(r, ns);
      const shape = shapeOf(r, { name: isItem });
      const mutated = applyPlan(seedRaw(r, name), plan);
      const klass = `mutate.${op}`;
      switch (op) {
        case 'post':
          return { klass, method: 'POST', target: path + options, shape, headers: [JSON_CT, ACCEPT], body: mutated.body, note: mutated.description };
        case 'put':
          return { klass, method: 'PUT', target: path + options, shape, headers: [JSON_CT, ACCEPT], body: mutated.body, note: mutated.description };
        case 'patch-json':
          return {
            klass,
            method: 'PATCH',
            target: path + options,
            shape,
            headers: [['Content-Type', PATCH_TYPES.json], ACCEPT],
            body: jsonPatch.body,
            note: jsonPatch.note,
          };
        case 'patch-merge':
        case 'patch-strategic':
          return {
            klass,
            method: 'PATCH',
            target: path + options,
            shape,
            headers: [['Content-Type', op === 'patch-merge' ? PATCH_TYPES.merge : PATCH_TYPES.strategic], ACCEPT],
            body: mutated.body,
            note: mutated.description,
          };
        case 'apply': {
          const q = `?fieldManager=fuzz${force ? '&force=true' : ''}`;
          return {
            klass,
            method: 'PATCH',
            target: path + q,
            shape,
            headers: [['Content-Type', PATCH_TYPES.apply], ACCEPT],
            body: mutated.body,
            note: mutated.description,
          };
        }
      }
    });
}

// ---------------------------------------------------------------- crud.*

function crudArb(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const rs = mainResources(t);
  const creatable = rs.filter((r) => has(r, 'create') && has(r, 'get'));
  const listable = rs.filter((r) => has(r, 'list'));
  const deletable = rs.filter((r) => has(r, 'delete'));
  // Never the namespaces collection: deleting it would end the fuzz namespace, which no churn request may do.
  const collectionDeletable = rs.filter((r) => has(r, 'deletecollection') && r.resource !== 'namespaces');
  const name = fc.constantFrom(...NAMES);
  const arbs: Array<fc.WeightedArbitrary<FuzzRequest>> = [];
  if (creatable.length) {
    arbs.push({
      weight: 4,
      arbitrary: fc.record({ r: fc.constantFrom(...creatable), name }).map(({ r, name }) => ({
        klass: 'crud.create',
        method: 'POST',
        target: collectionPath(r, FUZZ_NS),
        shape: shapeOf(r),
        headers: [JSON_CT, ACCEPT],
        body: JSON.stringify(seedFor(r, FUZZ_NS, name)),
      })),
    });
    arbs.push({
      weight: 2,
      arbitrary: fc.record({ r: fc.constantFrom(...creatable.filter((r) => has(r, 'update'))), name }).map(({ r, name }) => ({
        klass: 'crud.update',
        method: 'PUT',
        target: itemPath(r, FUZZ_NS, name),
        shape: shapeOf(r, { name: true }),
        headers: [JSON_CT, ACCEPT],
        body: JSON.stringify(seedFor(r, FUZZ_NS, name)),
      })),
    });
    arbs.push({
      weight: 2,
      arbitrary: fc.record({ r: fc.constantFrom(...creatable.filter((r) => has(r, 'patch'))), name, v: fc.nat(99) }).map(({ r, name, v }) => ({
        klass: 'crud.patch',
        method: 'PATCH',
        target: itemPath(r, FUZZ_NS, name),
        shape: shapeOf(r, { name: true }),
        headers: [['Content-Type', PATCH_TYPES.merge], ACCEPT],
        body: JSON.stringify({ metadata: { labels: { gen: `v${v}` } } }),
      })),
    });
    arbs.push({
      weight: 2,
      arbitrary: fc.record({ r: fc.constantFrom(...creatable), name }).map(({ r, name }) => ({
        klass: 'crud.get',
        method: 'GET',
        target: itemPath(r, FUZZ_NS, name),
        shape: shapeOf(r, { name: true }),
        headers: [ACCEPT],
      })),
    });
  }
  if (listable.length) {
    arbs.push({
      weight: 2,
      arbitrary: fc
        .record({
          r: fc.constantFrom(...listable),
          all: fc.boolean(),
          q: fc.constantFrom('', '?limit=1', '?labelSelector=fuzz%3Dyes', '?fieldSelector=metadata.name%3Dfz-a', '?resourceVersion=0'),
        })
        .map(({ r, all, q }) => ({
          klass: 'crud.list',
          method: 'GET',
          target: collectionPath(r, all ? undefined : FUZZ_NS) + q,
          shape: shapeOf(r, { ns: !all }),
          headers: [ACCEPT],
        })),
    });
  }
  if (deletable.length) {
    arbs.push({
      weight: 3,
      arbitrary: fc
        .record({ r: fc.constantFrom(...deletable), name, opts: fc.constantFrom('', '', '?gracePeriodSeconds=0', '?propagationPolicy=Background', 'body') })
        .map(({ r, name, opts }): FuzzRequest => ({
          klass: 'crud.delete',
          method: 'DELETE',
          target: itemPath(r, FUZZ_NS, name) + (opts === 'body' ? '' : opts),
          shape: shapeOf(r, { name: true }),
          headers: opts === 'body' ? [JSON_CT, ACCEPT] : [ACCEPT],
          ...(opts === 'body'
            ? { body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0 }) }
            : {}),
        })),
    });
  }
  if (collectionDeletable.length) {
    arbs.push({
      weight: 1,
      arbitrary: fc.constantFrom(...collectionDeletable).map((r) => ({
        klass: 'crud.deletecollection',
        method: 'DELETE',
        target: `${collectionPath(r, FUZZ_NS)}?labelSelector=gen%3Dv7`,
        shape: shapeOf(r),
        headers: [ACCEPT],
      })),
    });
  }
  return fc.oneof(...arbs);
}

// ---------------------------------------------------------------- protocol.path

/** How a path is abused; `{coll}`/`{item}` are the resource's collection and item paths. */
interface PathAbuse {
  /** Builds the raw target from the collection path (in the namespace the abuse needs). */
  build: (coll: string, gv: string) => string;
  /** The dedup shape suffix / description. */
  shape: string;
  /** Which namespace the abuse runs in: the sentinel for anything that could walk up to a parent. */
  ns: 'sentinel' | 'fuzz';
}

const DOT_ABUSES: PathAbuse[] = [
  { build: (c) => `${c}/..`, shape: '{coll}/..', ns: 'sentinel' },
  { build: (c) => `${c}/.`, shape: '{coll}/.', ns: 'sentinel' },
  { build: (c) => `${c}/%2e%2e`, shape: '{coll}/%2e%2e', ns: 'sentinel' },
  { build: (c) => `${c}/%2E%2e`, shape: '{coll}/%2E%2e', ns: 'sentinel' },
  { build: (c) => `${c}/.%2e`, shape: '{coll}/.%2e', ns: 'sentinel' },
  { build: (c) => `${c}/%2e`, shape: '{coll}/%2e', ns: 'sentinel' },
  { build: (c) => `${c}/${SENTINEL_CONFIGMAP}/..`, shape: '{coll}/keep/..', ns: 'sentinel' },
  { build: (c) => `${c}/${SENTINEL_CONFIGMAP}/%2e%2e`, shape: '{coll}/keep/%2e%2e', ns: 'sentinel' },
  { build: (c) => `${c}/${SENTINEL_CONFIGMAP}/%2e`, shape: '{coll}/keep/%2e', ns: 'sentinel' },
  { build: (c) => `${c}/x/../..`, shape: '{coll}/x/../..', ns: 'sentinel' },
  { build: (c) => `${c}/..%2f..`, shape: '{coll}/..%2f..', ns: 'sentinel' },
  { build: (c) => `${c}/%2e%2e%2f%2e%2e`, shape: '{coll}/%2e%2e%2f%2e%2e', ns: 'sentinel' },
  { build: (c) => `${c}/%252e%252e`, shape: '{coll}/%252e%252e', ns: 'sentinel' },
  { build: (c) => `${c}/..;`, shape: '{coll}/..;', ns: 'sentinel' },
  { build: (c) => `${c}/..%00`, shape: '{coll}/..%00', ns: 'sentinel' },
  { build: (c) => `${c}/..\\..`, shape: '{coll}/..\\..', ns: 'sentinel' },
  { build: (_c, gv) => `${gv}/namespaces/${SENTINEL_NS}/..`, shape: '{gv}/namespaces/{sentinel}/..', ns: 'sentinel' },
  { build: (_c, gv) => `${gv}/namespaces/${SENTINEL_NS}/%2e%2e`, shape: '{gv}/namespaces/{sentinel}/%2e%2e', ns: 'sentinel' },
  { build: (_c, gv) => `${gv}/namespaces/%2e%2e/configmaps`, shape: '{gv}/namespaces/%2e%2e/configmaps', ns: 'sentinel' },
  { build: (_c, gv) => `${gv}/namespaces/./${SENTINEL_NS}`, shape: '{gv}/namespaces/./{sentinel}', ns: 'sentinel' },
  { build: (c) => `${c.replace(/^\/api\/v1\//, '/api/v1/../v1/')}/${SENTINEL_CONFIGMAP}`, shape: '/api/v1/../v1/...', ns: 'sentinel' },
];

const SLASH_AND_ESCAPE_ABUSES: PathAbuse[] = [
  { build: (c) => `${c}/`, shape: '{coll}/', ns: 'fuzz' },
  { build: (c) => `${c}//`, shape: '{coll}//', ns: 'fuzz' },
  { build: (c) => `${c}//fz-a`, shape: '{coll}//{name}', ns: 'fuzz' },
  { build: (c) => `${c}/fz-a/`, shape: '{coll}/{name}/', ns: 'fuzz' },
  { build: (c) => `${c}/fz-a//`, shape: '{coll}/{name}//', ns: 'fuzz' },
  { build: (c) => c.replace(/^\/(apis?)\//, '/$1//'), shape: '/api//...', ns: 'fuzz' },
  { build: (c) => `/${c}`, shape: '//api/...', ns: 'fuzz' },
  { build: (c) => `${c}/%00`, shape: '{coll}/%00', ns: 'fuzz' },
  { build: (c) => `${c}/a%00b`, shape: '{coll}/a%00b', ns: 'fuzz' },
  { build: (c) => `${c}/%`, shape: '{coll}/%', ns: 'fuzz' },
  { build: (c) => `${c}/%zz`, shape: '{coll}/%zz', ns: 'fuzz' },
  { build: (c) => `${c}/a%`, shape: '{coll}/a%', ns: 'fuzz' },
  { build: (c) => `${c}/%c3%28`, shape: '{coll}/%c3%28 (invalid UTF-8)', ns: 'fuzz' },
  { build: (c) => `${c}/%ff`, shape: '{coll}/%ff', ns: 'fuzz' },
  { build: (c) => `${c}/a%2fb`, shape: '{coll}/a%2fb', ns: 'fuzz' },
  { build: (c) => `${c}/%D0%BA%D0%BB%D1%8E%D1%87`, shape: '{coll}/%D0%BA... (ключ)', ns: 'fuzz' },
  { build: (c) => `${c}/ключ`, shape: '{coll}/ключ (raw UTF-8)', ns: 'fuzz' },
  { build: (c) => `${c}/fz-a%20`, shape: '{coll}/{name}%20', ns: 'fuzz' },
  { build: (c) => `${c}/fz-a;x=1`, shape: '{coll}/{name};x=1', ns: 'fuzz' },
  { build: (c) => `${c}/fz-a#frag`, shape: '{coll}/{name}#frag', ns: 'fuzz' },
  { build: (c) => `${c}\\fz-a`, shape: '{coll}\\{name}', ns: 'fuzz' },
  { build: (c) => `${c}/${'a'.repeat(10_000)}`, shape: '{coll}/a*10000', ns: 'fuzz' },
  { build: (c) => `${c}/${'a'.repeat(100_000)}`, shape: '{coll}/a*100000', ns: 'fuzz' },
  { build: (c) => `${c}?${'a=b&'.repeat(5000)}`, shape: '{coll}?a=b*5000', ns: 'fuzz' },
  { build: (c) => `${c}/fz-a/nosuchsub`, shape: '{coll}/{name}/nosuchsub', ns: 'fuzz' },
  { build: (c) => `${c}/fz-a/status/extra`, shape: '{coll}/{name}/status/extra', ns: 'fuzz' },
  { build: (c) => `${c}/fz-a/a/b/c/d`, shape: '{coll}/{name}/a/b/c/d', ns: 'fuzz' },
  { build: (c) => c.replace(/\/namespaces\/[^/]+\//, '/namespaces//'), shape: '{gv}/namespaces//{resource}', ns: 'fuzz' },
  { build: (c) => c.replace(/\/namespaces\/[^/]+\//, '/namespaces/%00/'), shape: '{gv}/namespaces/%00/{resource}', ns: 'fuzz' },
  { build: (c) => c.replace(/\/namespaces\/[^/]+\//, `/namespaces/${'n'.repeat(300)}/`), shape: '{gv}/namespaces/n*300/{resource}', ns: 'fuzz' },
];

const FIXED_PATHS = [
  '/api/v2/namespaces',
  '/apis/nope.example.com/v1/things',
  '/api/v1/namespaces/fz/nothings',
  '/api/v1/nothings',
  '/api',
  '/apis/',
  '/apis//',
  '/',
  '/metrics',
  '/healthz/',
  '/healthz/x',
  '/version',
  '/version/',
  '/openapi/v2',
  '/openapi/v3',
  '/readyz?verbose',
  '/livez/x',
  '/api/v1/watch',
  '/api/v1/watch/',
  '/api/v1/watch/namespaces',
  '/apis/apps',
  '/apis/apps/v1/watch/deployments',
  '*',
  'api/v1/namespaces',
  '',
  'http://127.0.0.1/api/v1/namespaces',
  'http://evil.example/api/v1/namespaces',
  '/api/v1/namespaces?%',
  '/api/v1/namespaces?a=%zz',
];

const METHODS = ['GET', 'DELETE', 'PUT', 'PATCH', 'POST', 'HEAD', 'OPTIONS'];

function bodyFor(method: string, r: ServedResource, name: string): Pick<FuzzRequest, 'headers' | 'body'> {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'DELETE') return { headers: [ACCEPT] };
  const ct = method === 'PATCH' ? PATCH_TYPES.merge : 'application/json';
  return { headers: [['Content-Type', ct], ACCEPT], body: JSON.stringify(seedFor(r, FUZZ_NS, name)) };
}

function pathAbuseArb(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const rs = mainResources(t);
  const namespaced = rs.filter((r) => r.namespaced);
  const resourceAbuse = fc
    .record({
      r: fc.oneof(
        { weight: 3, arbitrary: fc.constant(rs.find((r) => r.resource === 'configmaps' && r.group === '') ?? rs[0]!) },
        { weight: 2, arbitrary: fc.constantFrom(...namespaced) },
      ),
      abuse: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...DOT_ABUSES) }, { weight: 2, arbitrary: fc.constantFrom(...SLASH_AND_ESCAPE_ABUSES) }),
      method: fc.constantFrom(...METHODS),
    })
    .map(({ r, abuse, method }): FuzzRequest => {
      const ns = abuse.ns === 'sentinel' ? SENTINEL_NS : FUZZ_NS;
      const target = abuse.build(collectionPath(r, ns), groupVersionPrefix(r));
      return {
        klass: 'protocol.path',
        method,
        target,
        shape: abuse.shape.replace('{coll}', shapeOf(r)).replace('{gv}', groupVersionPrefix(r)),
        ...bodyFor(method, r, 'fz-a'),
      };
    });
  const fixed = fc
    .record({ p: fc.constantFrom(...FIXED_PATHS), method: fc.constantFrom(...METHODS) })
    .map(({ p, method }): FuzzRequest => ({ klass: 'protocol.path', method, target: p, shape: p.length > 60 ? p.slice(0, 60) : p, headers: [ACCEPT] }));
  return fc.oneof({ weight: 5, arbitrary: resourceAbuse }, { weight: 1, arbitrary: fixed });
}

// ---------------------------------------------------------------- protocol.watch-verb, protocol.all-namespaces

/** Non-GET methods under `/watch/`: Kubernetes routes only GET there (405). */
function watchVerbArb(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const watchable = mainResources(t).filter((r) => has(r, 'watch'));
  return fc
    .record({ r: fc.constantFrom(...watchable), method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'), form: fc.constantFrom('collection', 'item', 'all') })
    .map(({ r, method, form }): FuzzRequest => {
      const ns = r.namespaced && form !== 'all' ? `/namespaces/${FUZZ_NS}` : '';
      const name = form === 'item' ? '/fz-a' : '';
      return {
        klass: 'protocol.watch-verb',
        method,
        target: `${groupVersionPrefix(r)}/watch${ns}/${r.resource}${name}`,
        shape: `${groupVersionPrefix(r)}/watch${ns ? '/namespaces/{ns}' : ''}/${r.resource}${name ? '/{name}' : ''}`,
        ...bodyFor(method, r, 'fz-a'),
        expectReject: 'Kubernetes routes only GET under /watch/ (405 MethodNotAllowed)',
      };
    });
}

/** Writes to the all-namespaces path of a namespaced resource: Kubernetes serves only list and watch there (405). */
function allNamespacesArb(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const namespaced = mainResources(t).filter((r) => r.namespaced && has(r, 'list'));
  return fc.record({ r: fc.constantFrom(...namespaced), method: fc.constantFrom('POST', 'DELETE', 'PUT', 'PATCH') }).map(({ r, method }): FuzzRequest => ({
    klass: 'protocol.all-namespaces',
    method,
    target: `${collectionPath(r, undefined)}${method === 'DELETE' ? '?labelSelector=fuzz%3Dyes' : ''}`,
    shape: shapeOf(r, { ns: false }),
    ...bodyFor(method, r, 'fz-a'),
    expectReject: 'Kubernetes serves only list and watch on the all-namespaces path of a namespaced resource (405)',
  }));
}

// ---------------------------------------------------------------- protocol.query

interface ParamCase {
  name: string;
  value: string;
  /**
   * Kubernetes answers 4xx for this value: `any` request (a parse error of the
   * whole ListOptions/DeleteOptions/...), only a `list` (a check a watch does
   * not make, e.g. the continue token), or `false` (accepted, or unsure).
   */
  reject: 'any' | 'list' | false;
}

const cases = (name: string, reject: ParamCase['reject'], values: string[]): ParamCase[] => values.map((value) => ({ name, value, reject }));

/** Query parameters of list/watch, with values Kubernetes certainly refuses and values it accepts. */
const LIST_PARAMS: ParamCase[] = [
  ...cases('limit', 'any', ['abc', '1.5', '1e3', '0x10', '99999999999999999999', '-']),
  ...cases('limit', false, ['0', '-1', '1', '2147483648']),
  ...cases('timeoutSeconds', 'any', ['abc', '1.5', '1e3', '99999999999999999999']),
  ...cases('timeoutSeconds', false, ['0', '-1', '1', '2147483648']),
  ...cases('resourceVersion', 'any', ['abc', '-1', '1.5', '0x1', ' 1', '18446744073709551616']),
  ...cases('resourceVersion', false, ['0', '', '1', '99999999999']),
  ...cases('resourceVersionMatch', 'any', ['zzz', 'exact', 'notolderthan']),
  ...cases('resourceVersionMatch', false, ['NotOlderThan', 'Exact']),
  ...cases('labelSelector', 'any', ['a in (b', 'a b', '!!', 'a=b c']),
  ...cases('labelSelector', false, ['a=b', '', 'a', '!a', 'a in (b,c)', 'ключ=v', 'a=' + 'b'.repeat(100)]),
  ...cases('fieldSelector', 'any', ['a b', 'metadata.name', 'foo.bar=1']),
  ...cases('fieldSelector', false, ['metadata.name=fz-a', 'metadata.namespace!=x', '']),
  ...cases('continue', 'list', ['abc', 'bnVsbA', 'e30', 'W10', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiIuLi8uLi8ifQ', '%00', 'a'.repeat(5000)]),
  ...cases('allowWatchBookmarks', false, ['garbage', '']),
  ...cases('sendInitialEvents', false, ['true', 'garbage']),
  ...cases('pretty', false, ['garbage', '1']),
];

/** Query parameters of DELETE (DeleteOptions). */
const DELETE_PARAMS: ParamCase[] = [
  ...cases('gracePeriodSeconds', 'any', ['abc', '1.5', '1e3', '99999999999999999999']),
  ...cases('gracePeriodSeconds', false, ['0', '30', '2147483648']),
  ...cases('propagationPolicy', 'any', ['zzz', 'orphan', 'background']),
  ...cases('propagationPolicy', false, ['Orphan', 'Background', 'Foreground']),
  ...cases('dryRun', 'any', ['zzz', 'all', 'true']),
  ...cases('orphanDependents', false, ['garbage', 'true']),
];

/** Query parameters of create/update/patch (CreateOptions, UpdateOptions, PatchOptions). */
const WRITE_PARAMS: ParamCase[] = [
  ...cases('dryRun', 'any', ['zzz', 'all', 'true']),
  ...cases('fieldValidation', 'any', ['zzz', 'strict', '1']),
  ...cases('fieldValidation', false, ['Strict', 'Warn', 'Ignore']),
  ...cases('fieldManager', 'any', ['m'.repeat(129), 'a\u0000b', 'a\u0007b']),
  ...cases('fieldManager', false, ['fuzz', 'ключ']),
];

/** Every value Kubernetes reads as true for `watch` although it is not `true`. */
const WATCH_TRUTHY = ['garbage', 'yes', '2', 'TRUE', 'on', '', 'True', ' ', 'no'];

function encodeParams(ps: ParamCase[]): string {
  return ps.map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.value)}`).join('&');
}

function rejecting(ps: ParamCase[], watch = false): string | undefined {
  const bad = ps.filter((p) => p.reject === 'any' || (p.reject === 'list' && !watch));
  return bad.length
    ? `Kubernetes refuses ${bad.map((p) => `${p.name}=${JSON.stringify(p.value.length > 20 ? p.value.slice(0, 20) + '…' : p.value)}`).join(', ')} (400/422)`
    : undefined;
}

function queryAbuseArb(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const rs = mainResources(t);
  const listable = rs.filter((r) => has(r, 'list') && has(r, 'watch'));
  const deletable = rs.filter((r) => has(r, 'delete') && r.resource !== 'namespaces');
  const creatable = rs.filter((r) => has(r, 'create') && has(r, 'get'));
  // At most one value Kubernetes refuses per request, so that a finding names its parameter; plus up to two it accepts.
  const params = (table: ParamCase[]): fc.Arbitrary<ParamCase[]> => {
    const bad = table.filter((p) => p.reject !== false);
    const good = table.filter((p) => p.reject === false);
    return fc
      .tuple(fc.option(fc.constantFrom(...bad), { freq: 3 }), fc.uniqueArray(fc.constantFrom(...good), { maxLength: 2, selector: (p) => p.name }))
      .map(([b, gs]) => [...(b ? [b] : []), ...gs.filter((g) => !b || g.name !== b.name)])
      .filter((ps) => ps.length > 0);
  };

  const list = fc
    .record({ r: fc.constantFrom(...listable), all: fc.boolean(), ps: params(LIST_PARAMS), watch: fc.constantFrom('', '', 'watch=1&', 'watch=garbage&') })
    .map(({ r, all, ps, watch }): FuzzRequest => {
      const reject = rejecting(ps, watch !== '');
      return {
        klass: 'protocol.query',
        method: 'GET',
        target: `${collectionPath(r, all ? undefined : FUZZ_NS)}?${watch}${encodeParams(ps)}`,
        shape: `${shapeOf(r, { ns: !all })}?${watch}${ps.map((p) => p.name).join('&')}`,
        headers: [ACCEPT],
        expectReject: reject,
      };
    });
  // watch=<anything but 0/false> alone: Kubernetes' boolean parameter makes it a watch.
  const watchTruthy = fc.record({ r: fc.constantFrom(...listable), v: fc.constantFrom(...WATCH_TRUTHY) }).map(({ r, v }): FuzzRequest => ({
    klass: 'protocol.query',
    method: 'GET',
    target: `${collectionPath(r, FUZZ_NS)}?watch=${encodeURIComponent(v)}`,
    shape: `${shapeOf(r)}?watch=<truthy>`,
    headers: [ACCEPT],
    expectWatch: `Kubernetes reads watch=${JSON.stringify(v)} as true (only absent, 0 and false are false)`,
  }));
  const del = fc
    .record({ r: fc.constantFrom(...deletable), ps: params(DELETE_PARAMS), name: fc.constantFrom(...NAMES) })
    .map(({ r, ps, name }): FuzzRequest => {
      const reject = rejecting(ps);
      return {
        klass: 'protocol.query',
        method: 'DELETE',
        target: `${itemPath(r, FUZZ_NS, name)}?${encodeParams(ps)}`,
        shape: `${shapeOf(r, { name: true })}?${ps.map((p) => p.name).join('&')}`,
        headers: [ACCEPT],
        expectReject: reject,
      };
    });
  const write = fc
    .record({ r: fc.constantFrom(...creatable), ps: params(WRITE_PARAMS), name: fc.constantFrom(...NAMES), method: fc.constantFrom('POST', 'PUT', 'PATCH') })
    .map(({ r, ps, name, method }): FuzzRequest => {
      const reject = rejecting(ps);
      const item = method !== 'POST';
      return {
        klass: 'protocol.query',
        method,
        target: `${item ? itemPath(r, FUZZ_NS, name) : collectionPath(r, FUZZ_NS)}?${encodeParams(ps)}`,
        shape: `${shapeOf(r, { name: item })}?${ps.map((p) => p.name).join('&')}`,
        ...bodyFor(method, r, name),
        expectReject: reject,
      };
    });
  return fc.oneof({ weight: 4, arbitrary: list }, { weight: 1, arbitrary: watchTruthy }, { weight: 2, arbitrary: del }, { weight: 2, arbitrary: write });
}

// ---------------------------------------------------------------- protocol.header

const CONTENT_TYPES = [
  'text/plain',
  '',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json;charset=latin1',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'multipart/form-data; boundary=x',
  'application/json, text/plain',
  'application/x-www-form-urlencoded',
  'APPLICATION/JSON',
  'application/json;;;',
  '*/*',
  'application/apply-patch+yaml',
];
const ACCEPTS = [
  'foo/bar',
  'application/json;as=Table;v=v1;g=meta.k8s.io',
  'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
  'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  'application/json;as=Nope;v=v9;g=x',
  'application/vnd.kubernetes.protobuf',
  'application/vnd.kubernetes.protobuf;stream=watch',
  '*/*;q=abc',
  '',
  'text/html',
  'application/yaml',
  `${'application/x-a, '.repeat(500)}application/json`,
  'application/json;q=0',
  'application/json;stream=watch',
];
const AUTHORIZATIONS = [
  'Bearer',
  'Bearer ',
  'Bearer garbage',
  'Bearer a.b.c',
  `Bearer ${'x'.repeat(8000)}`,
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  'Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCIsInN1YiI6InN5c3RlbTphZG1pbiJ9.AAAA',
  'Basic YWRtaW46YWRtaW4=',
  'Basic %%%',
  'Negotiate x',
  'bearer lowercase',
  'Bearer a b c',
  'Bearer \u00e9',
  'Bearer abcdef.0123456789abcdef',
];

function headerAbuseArb(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const rs = mainResources(t).filter((r) => has(r, 'create') && has(r, 'list'));
  const r = fc.constantFrom(...rs);
  const contentType = fc
    .record({ r, ct: fc.constantFrom(...CONTENT_TYPES), method: fc.constantFrom('POST', 'PUT', 'PATCH'), name: fc.constantFrom(...NAMES) })
    .map(({ r, ct, method, name }): FuzzRequest => ({
      klass: 'protocol.content-type',
      method,
      target: method === 'POST' ? collectionPath(r, FUZZ_NS) : itemPath(r, FUZZ_NS, name),
      shape: `${shapeOf(r, { name: method !== 'POST' })} Content-Type: ${ct}`,
      headers: [['Content-Type', ct], ACCEPT],
      body: JSON.stringify(seedFor(r, FUZZ_NS, name)),
    }));
  const accept = fc.record({ r, a: fc.constantFrom(...ACCEPTS), item: fc.boolean() }).map(({ r, a, item }): FuzzRequest => ({
    klass: 'protocol.accept',
    method: 'GET',
    target: item ? itemPath(r, FUZZ_NS, 'fz-a') : collectionPath(r, FUZZ_NS),
    shape: `${shapeOf(r, { name: item })} Accept: ${a.slice(0, 60)}`,
    headers: [['Accept', a]],
  }));
  const auth = fc.record({ r, a: fc.constantFrom(...AUTHORIZATIONS) }).map(({ r, a }): FuzzRequest => ({
    klass: 'protocol.auth',
    method: 'GET',
    target: collectionPath(r, FUZZ_NS),
    shape: `${shapeOf(r)} Authorization: ${a.slice(0, 30)}`,
    headers: [['Authorization', a], ACCEPT],
  }));
  const huge = fc
    .constantFrom(
      { label: 'one 16 KiB header', malformed: false, headers: [['X-Fuzz', 'a'.repeat(16 * 1024)]] as Array<[string, string]> },
      { label: 'one 64 KiB header', malformed: true, headers: [['X-Fuzz', 'a'.repeat(64 * 1024)]] as Array<[string, string]> },
      { label: 'one 1 MiB header', malformed: true, headers: [['X-Fuzz', 'a'.repeat(1024 * 1024)]] as Array<[string, string]> },
      { label: '2000 headers', malformed: true, headers: Array.from({ length: 2000 }, (_, i): [string, string] => [`X-F${i}`, 'v']) },
      { label: 'non-Latin-1 header value', malformed: false, headers: [['X-Fuzz', 'ключ😀']] as Array<[string, string]> },
      { label: 'non-Latin-1 header name', malformed: true, headers: [['ключ', 'v']] as Array<[string, string]> },
      { label: 'NUL in header value', malformed: true, headers: [['X-Fuzz', 'a\u0000b']] as Array<[string, string]> },
      { label: 'bare LF in header value', malformed: true, headers: [['X-Fuzz', 'a\nb']] as Array<[string, string]> },
      { label: 'header without name', malformed: true, headers: [['', 'v']] as Array<[string, string]> },
      { label: 'space in header name', malformed: true, headers: [['X Fuzz', 'v']] as Array<[string, string]> },
      {
        label: 'duplicate Content-Type',
        malformed: false,
        headers: [
          ['Content-Type', 'application/json'],
          ['Content-Type', 'text/plain'],
        ] as Array<[string, string]>,
      },
      {
        label: 'Impersonate-User',
        malformed: false,
        headers: [
          ['Impersonate-User', 'system:admin'],
          ['Impersonate-Group', 'system:masters'],
        ] as Array<[string, string]>,
      },
      {
        label: 'Upgrade: websocket',
        malformed: false,
        headers: [
          ['Connection', 'Upgrade'],
          ['Upgrade', 'websocket'],
          ['Sec-WebSocket-Version', '13'],
          ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
        ] as Array<[string, string]>,
      },
      {
        label: 'Upgrade: h2c',
        malformed: false,
        headers: [
          ['Connection', 'Upgrade, HTTP2-Settings'],
          ['Upgrade', 'h2c'],
          ['HTTP2-Settings', 'AAMAAABkAARAAAAAAAIAAAAA'],
        ] as Array<[string, string]>,
      },
      { label: 'Expect: 100-continue', malformed: false, headers: [['Expect', '100-continue']] as Array<[string, string]> },
      { label: 'Expect: garbage', malformed: false, headers: [['Expect', 'garbage']] as Array<[string, string]> },
      { label: 'Content-Encoding: gzip (plain body)', malformed: false, headers: [['Content-Encoding', 'gzip']] as Array<[string, string]> },
      { label: 'Accept-Encoding: gzip', malformed: false, headers: [['Accept-Encoding', 'gzip, deflate, br']] as Array<[string, string]> },
      { label: 'X-Forwarded-For garbage', malformed: false, headers: [['X-Forwarded-For', 'x, ::::, 999.1.1.1']] as Array<[string, string]> },
      { label: 'Host garbage', malformed: false, headers: [['Host', 'evil.example:99999']] as Array<[string, string]> },
    )
    .chain((h) =>
      r.map((r): FuzzRequest => ({
        klass: 'protocol.header',
        malformed: h.malformed,
        method: 'POST',
        target: collectionPath(r, FUZZ_NS),
        shape: `${shapeOf(r)} ${h.label}`,
        headers: [JSON_CT, ACCEPT, ...h.headers],
        body: JSON.stringify(seedFor(r, FUZZ_NS, 'fz-c')),
      })),
    );
  const framing = fc
    .constantFrom<{ label: string; head: Array<[string, string]>; body: string }>(
      { label: 'Content-Length shorter than body', head: [['Content-Length', '5']], body: '{"metadata":{"name":"fz-c"}}' },
      {
        label: 'Content-Length and Transfer-Encoding',
        head: [
          ['Content-Length', '2'],
          ['Transfer-Encoding', 'chunked'],
        ],
        body: '2\r\n{}\r\n0\r\n\r\n',
      },
      { label: 'malformed chunk size', head: [['Transfer-Encoding', 'chunked']], body: 'zz\r\n{}\r\n0\r\n\r\n' },
      { label: 'chunked body', head: [['Transfer-Encoding', 'chunked']], body: '2\r\n{}\r\n0\r\n\r\n' },
      { label: 'Transfer-Encoding gzip', head: [['Transfer-Encoding', 'gzip']], body: '{}' },
      { label: 'negative Content-Length', head: [['Content-Length', '-1']], body: '{}' },
      {
        label: 'two Content-Lengths',
        head: [
          ['Content-Length', '2'],
          ['Content-Length', '3'],
        ],
        body: '{}',
      },
      { label: 'Content-Length garbage', head: [['Content-Length', 'abc']], body: '{}' },
      { label: '4 MiB body', head: [], body: JSON.stringify({ metadata: { name: 'fz-c' }, data: { big: 'x'.repeat(4 * 1024 * 1024) } }) },
    )
    .chain((f) =>
      r.map((r): FuzzRequest => {
        const headers: Array<[string, string]> = [JSON_CT, ACCEPT, ...f.head];
        return {
          klass: 'protocol.framing',
          malformed: true,
          method: 'POST',
          target: collectionPath(r, FUZZ_NS),
          shape: `${shapeOf(r)} ${f.label}`,
          headers,
          body: f.body,
          rawFraming: f.head.length > 0,
        };
      }),
    );
  const requestLine = fc
    .constantFrom(
      { method: 'FOO', version: undefined },
      { method: 'get', version: undefined },
      { method: 'PROPFIND', version: undefined },
      { method: 'TRACE', version: undefined },
      { method: 'CONNECT', version: undefined },
      { method: 'GET', version: 'HTTP/1.0' },
      { method: 'GET', version: 'HTTP/2.0' },
      { method: 'GET', version: 'HTTP/9.9' },
      { method: 'GET', version: 'HTTP/1.1 extra' },
      { method: 'G\u0000ET', version: undefined },
    )
    .chain((l) =>
      r.map((r): FuzzRequest => ({
        klass: 'protocol.request-line',
        malformed: true,
        method: l.method,
        target: collectionPath(r, FUZZ_NS),
        shape: `${JSON.stringify(l.method).slice(1, -1)} {coll} ${l.version ?? 'HTTP/1.1'}`,
        headers: [ACCEPT],
        httpVersion: l.version,
      })),
    );
  return fc.oneof(
    { weight: 3, arbitrary: contentType },
    { weight: 2, arbitrary: accept },
    { weight: 2, arbitrary: auth },
    { weight: 2, arbitrary: huge },
    { weight: 1, arbitrary: framing },
    { weight: 1, arbitrary: requestLine },
  );
}

// ---------------------------------------------------------------- protocol.system-ns

/** Attempts on the system namespaces; the guard check after each request is the oracle. */
function systemNamespaceArb(): fc.Arbitrary<FuzzRequest> {
  const immortal = ['default', 'kube-system', 'kube-public'];
  const direct = fc
    .record({ ns: fc.constantFrom(...SYSTEM_NAMESPACES), q: fc.constantFrom('', '?gracePeriodSeconds=0', '?propagationPolicy=Background', '?dryRun=All') })
    .map(({ ns, q }): FuzzRequest => ({
      klass: 'protocol.system-ns',
      method: 'DELETE',
      target: `/api/v1/namespaces/${ns}${q}`,
      shape: `/api/v1/namespaces/${ns}${q ? '?' + q.slice(1).split('=')[0] : ''}`,
      headers: [ACCEPT],
      expectReject: immortal.includes(ns) && q !== '?dryRun=All' ? `Kubernetes forbids deleting namespace ${ns} (403)` : undefined,
    }));
  const collection = fc.constantFrom('', '?labelSelector=kubernetes.io%2Fmetadata.name%3Ddefault', '?dryRun=All').map((q): FuzzRequest => ({
    klass: 'protocol.system-ns',
    method: 'DELETE',
    target: `/api/v1/namespaces${q}`,
    shape: `/api/v1/namespaces${q ? '?' + q.slice(1).split('=')[0] : ''}`,
    headers: [ACCEPT],
    expectReject: 'namespaces have no deletecollection verb in Kubernetes (405)',
  }));
  const status = fc.constantFrom(...SYSTEM_NAMESPACES).map((ns): FuzzRequest => ({
    klass: 'protocol.system-ns',
    method: 'PATCH',
    target: `/api/v1/namespaces/${ns}/status`,
    shape: '/api/v1/namespaces/{system}/status phase=Terminating',
    headers: [['Content-Type', PATCH_TYPES.merge], ACCEPT],
    body: JSON.stringify({ status: { phase: 'Terminating' } }),
    expectReject: 'Kubernetes: status.phase may only be Active while deletionTimestamp is empty (422)',
  }));
  return fc.oneof({ weight: 3, arbitrary: direct }, { weight: 1, arbitrary: collection }, { weight: 1, arbitrary: status });
}

// ---------------------------------------------------------------- all

export interface ClassWeights {
  mutate: number;
  crud: number;
  path: number;
  query: number;
  header: number;
  watchVerb: number;
  allNamespaces: number;
  systemNs: number;
}

export const DEFAULT_WEIGHTS: ClassWeights = { mutate: 45, crud: 15, path: 12, query: 12, header: 10, watchVerb: 3, allNamespaces: 2, systemNs: 1 };

/** The arbitrary of one fuzz request over everything `t` serves. */
export function requestArbitrary(t: FuzzTargets, w: ClassWeights = DEFAULT_WEIGHTS): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: w.mutate, arbitrary: mutateArb(t) },
    { weight: w.crud, arbitrary: crudArb(t) },
    { weight: w.path, arbitrary: pathAbuseArb(t) },
    { weight: w.query, arbitrary: queryAbuseArb(t) },
    { weight: w.header, arbitrary: headerAbuseArb(t) },
    { weight: w.watchVerb, arbitrary: watchVerbArb(t) },
    { weight: w.allNamespaces, arbitrary: allNamespacesArb(t) },
    { weight: w.systemNs, arbitrary: systemNamespaceArb() },
  );
}
