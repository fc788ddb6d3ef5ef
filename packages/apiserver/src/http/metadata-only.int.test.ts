// Metadata-only replies (Accept: application/json;as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1),
// as garbage collectors and metadata informers ask for them: objects, lists and watch events
// carry metadata under meta.k8s.io's kinds; a form that does not fit the answer is a 406.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, openWatch, startServer, type TestServer } from '../testing/test-support.js';

type Obj = Record<string, any>;
const CMS = '/api/v1/namespaces/default/configmaps';
const as = (kind: string, v = 'v1') => `application/json;as=${kind};g=meta.k8s.io;v=${v}, application/json`;

describe('API server: metadata-only replies', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
    for (const name of ['a', 'b']) {
      await call(s.url, 'POST', CMS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: name } }, data: { big: 'x'.repeat(1000) } });
    }
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers one object as PartialObjectMetadata, without its data', async () => {
    const r = await call<Obj>(s.url, 'GET', `${CMS}/a`, undefined, { accept: as('PartialObjectMetadata') });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['kind', 'apiVersion', 'metadata']);
    expect(r.body).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'a', labels: { app: 'a' } } });
    expect(r.body.metadata.uid).toBeTruthy();
    const beta = await call<Obj>(s.url, 'GET', `${CMS}/a`, undefined, { accept: as('PartialObjectMetadata', 'v1beta1') });
    expect(beta.body.apiVersion).toBe('meta.k8s.io/v1beta1');
  });

  it('answers a list as PartialObjectMetadataList, selectors and paging included', async () => {
    const r = await call<Obj>(s.url, 'GET', `${CMS}?labelSelector=app%3Db`, undefined, { accept: as('PartialObjectMetadataList') });
    expect(r.body.kind).toBe('PartialObjectMetadataList');
    expect(r.body.apiVersion).toBe('meta.k8s.io/v1');
    expect(r.body.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(r.body.items).toEqual([
      expect.objectContaining({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'b' }) }),
    ]);
    expect(r.body.items[0].data).toBeUndefined();
    const page = await call<Obj>(s.url, 'GET', `${CMS}?limit=1`, undefined, { accept: as('PartialObjectMetadataList') });
    expect(page.body.items).toHaveLength(1);
    expect(page.body.metadata.continue).toBeTruthy();
  });

  it('refuses a form that does not fit the answer with 406', async () => {
    const listAsObject = await call<Obj>(s.url, 'GET', CMS, undefined, { accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' });
    expect(listAsObject.status).toBe(406);
    expect(listAsObject.body.reason).toBe('NotAcceptable');
    const objectAsList = await call<Obj>(s.url, 'GET', `${CMS}/a`, undefined, { accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' });
    expect(objectAsList.status).toBe(406);
    const wrongGroup = await call<Obj>(s.url, 'GET', `${CMS}/a`, undefined, { accept: 'application/json;as=PartialObjectMetadata;g=example.com;v=v1' });
    expect(wrongGroup.status).toBe(406);
  });

  it('watches with PartialObjectMetadata events', async () => {
    const w = openWatch(s.url, `${CMS}?watch=1`, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    const events = await w.waitFor(2);
    w.close();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
    expect(events[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'a' }) });
  });

  it('shapes the reply of a write the same way', async () => {
    const r = await call<Obj>(
      s.url,
      'PATCH',
      `${CMS}/a`,
      { metadata: { labels: { x: 'y' } } },
      { contentType: 'application/merge-patch+json', accept: as('PartialObjectMetadata') },
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { labels: { app: 'a', x: 'y' } } });
  });
});
