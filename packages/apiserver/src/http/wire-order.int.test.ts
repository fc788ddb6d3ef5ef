// Objects come back in the key order Kubernetes writes: kind, apiVersion,
// metadata in ObjectMeta's order (resourceVersion in its place), the kind's
// fields in struct order, map keys sorted; on create, get, list and watch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openWatch, startServer, type TestServer } from '../testing/test-support.js';

type Obj = Record<string, any>;
const CMS = '/api/v1/namespaces/default/configmaps';

describe('API server: objects in Kubernetes key order', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('writes a ConfigMap sent in any order as Kubernetes would', async () => {
    const created = await call<Obj>(s.url, 'POST', CMS, {
      data: { b: '2', a: '1' },
      metadata: { labels: { z: 'z', a: 'a' }, name: 'order' },
      apiVersion: 'v1',
      kind: 'ConfigMap',
    });
    expect(created.status).toBe(201);
    const rv = created.body.metadata.resourceVersion as string;
    const shape = new RegExp(
      `^\\{"kind":"ConfigMap","apiVersion":"v1","metadata":\\{"name":"order","namespace":"default","uid":"[0-9a-f-]+","resourceVersion":"${rv}","creationTimestamp":"[^"]+","labels":\\{"a":"a","z":"z"\\},"managedFields":\\[.*\\]\\},"data":\\{"a":"1","b":"2"\\}\\}$`,
    );
    expect(created.text.trimEnd()).toMatch(shape);
    expect((await call(s.url, 'GET', `${CMS}/order`)).text.trimEnd()).toMatch(shape);
    const list = await call<Obj>(s.url, 'GET', CMS);
    expect(JSON.stringify(list.body.items.find((i: Obj) => i.metadata.name === 'order'))).toMatch(shape);
    const w = openWatch(s.url, `${CMS}?watch=true&fieldSelector=metadata.name%3Dorder&timeoutSeconds=1`);
    const [added] = await w.waitFor(1);
    expect(JSON.stringify(added!.object)).toMatch(shape);
    w.close();
  });
});
