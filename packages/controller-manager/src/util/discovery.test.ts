import { ApiError, type Clientset } from '@mk8s/client';
import { describe, expect, it } from 'vitest';
import { describeFailures, discoverResources, groupResource, hasVerbs } from './discovery.js';

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A client whose transport answers GETs from `docs` (an Error value is thrown; a missing path is a 404). */
function fakeClient(docs: Record<string, unknown>): Clientset {
  const request = async ({ path }: { path: string }): Promise<unknown> => {
    const doc = docs[path];
    if (doc instanceof Error) throw doc;
    if (doc === undefined) throw new ApiError({ kind: 'Status', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });
    return structuredClone(doc);
  };
  return { transport: { request } } as unknown as Clientset;
}

const group = (name: string, versions: string[]) => ({
  name,
  versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
  preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
});
const list = (resources: Array<[string, string, boolean, string[]?]>) => ({
  kind: 'APIResourceList',
  resources: resources.map(([name, kind, namespaced, verbs]) => ({ name, kind, namespaced, verbs: verbs ?? ALL })),
});

describe('discoverResources', () => {
  it('reads the aggregated documents when the server has them: two requests, versions preferred first', async () => {
    const paths: string[] = [];
    const agg = (items: unknown[]) => ({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', items });
    const res = (resource: string, kind: string, scope: string, verbs = ALL) => ({ resource, responseKind: { kind }, scope, verbs });
    const docs: Record<string, unknown> = {
      '/api': agg([{ metadata: {}, versions: [{ version: 'v1', resources: [res('pods', 'Pod', 'Namespaced')] }] }]),
      '/apis': agg([
        {
          metadata: { name: 'autoscaling' },
          versions: [
            { version: 'v2', resources: [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced')] },
            { version: 'v1', resources: [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced')] },
          ],
        },
        { metadata: { name: 'example.com' }, versions: [{ version: 'v1', resources: [res('gadgets', 'Gadget', 'Cluster', ['get', 'list'])] }] },
      ]),
    };
    const request = async ({ path, accept }: { path: string; accept?: string }): Promise<unknown> => {
      paths.push(path);
      expect(accept).toContain('as=APIGroupDiscoveryList');
      return structuredClone(docs[path]);
    };
    const { resources, failures } = await discoverResources({ transport: { request } } as unknown as Clientset);
    expect(failures).toEqual([]);
    expect(paths.sort()).toEqual(['/api', '/apis']);
    expect(resources).toEqual([
      { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, verbs: ALL },
      { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true, verbs: ALL },
      { group: 'example.com', version: 'v1', resource: 'gadgets', kind: 'Gadget', namespaced: false, verbs: ['get', 'list'] },
    ]);
  });

  it("takes each group's resources from its preferred version, others only from the first version that serves them, and leaves subresources out", async () => {
    const client = fakeClient({
      '/api': { versions: ['v1'] },
      '/apis': { groups: [group('autoscaling', ['v2', 'v1']), group('example.com', ['v1', 'v1beta1'])] },
      '/api/v1': list([
        ['pods', 'Pod', true],
        ['pods/status', 'Pod', true, ['get', 'patch', 'update']],
        ['namespaces', 'Namespace', false],
      ]),
      '/apis/autoscaling/v2': list([['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]]),
      '/apis/autoscaling/v1': list([['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]]),
      '/apis/example.com/v1': list([['widgets', 'Widget', true]]),
      '/apis/example.com/v1beta1': list([
        ['widgets', 'Widget', true],
        ['gadgets', 'Gadget', false, ['get', 'list']],
      ]),
    });
    const { resources, failures } = await discoverResources(client);
    expect(failures).toEqual([]);
    expect(resources.map((r) => `${groupResource(r)}/${r.version}`)).toEqual([
      'pods/v1',
      'namespaces/v1',
      'horizontalpodautoscalers.autoscaling/v2',
      'widgets.example.com/v1',
      'gadgets.example.com/v1beta1',
    ]);
    const gadgets = resources.find((r) => r.resource === 'gadgets')!;
    expect(gadgets).toEqual({ group: 'example.com', version: 'v1beta1', resource: 'gadgets', kind: 'Gadget', namespaced: false, verbs: ['get', 'list'] });
    expect(hasVerbs(gadgets, 'list')).toBe(true);
    expect(hasVerbs(gadgets, 'list', 'delete')).toBe(false);
  });

  it('reports a group version it cannot read and returns the rest; a group version gone since /apis is no failure', async () => {
    const client = fakeClient({
      '/api': { versions: ['v1'] },
      '/apis': { groups: [group('broken.example.com', ['v1']), group('gone.example.com', ['v1'])] },
      '/api/v1': list([['configmaps', 'ConfigMap', true]]),
      '/apis/broken.example.com/v1': new ApiError({ kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: 'unavailable' }),
    });
    const { resources, failures } = await discoverResources(client);
    expect(resources.map((r) => r.resource)).toEqual(['configmaps']);
    expect(failures).toMatchObject([{ group: 'broken.example.com', version: 'v1' }]);
    expect(describeFailures(failures)[0]).toMatch(/^broken\.example\.com\/v1: /);
  });

  it('rejects when /api or /apis cannot be read', async () => {
    await expect(discoverResources(fakeClient({ '/api': { versions: ['v1'] } }))).rejects.toThrow();
  });
});
