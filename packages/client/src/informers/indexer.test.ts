import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import {
  Indexer,
  NAMESPACE_INDEX,
  NODE_NAME_INDEX,
  OWNER_UID_INDEX,
  UnknownIndexError,
  labelIndex,
  labelIndexName,
  namespaceIndex,
  nodeNameIndex,
  ownerUidIndex,
} from './indexer.js';

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

function pod(ns: string, name: string, extra: { node?: string; owners?: string[]; labels?: Record<string, string>; rv?: string } = {}): Pod {
  return {
    metadata: {
      namespace: ns,
      name,
      resourceVersion: extra.rv ?? '1',
      labels: extra.labels,
      ownerReferences: extra.owners?.map((uid) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid })),
    },
    spec: extra.node ? { nodeName: extra.node } : undefined,
  };
}

function newIndexer(): Indexer<Pod> {
  return new Indexer<Pod>({
    [NAMESPACE_INDEX]: namespaceIndex,
    [NODE_NAME_INDEX]: nodeNameIndex,
    [OWNER_UID_INDEX]: ownerUidIndex,
    [labelIndexName('app')]: labelIndex('app'),
  });
}

const names = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata!.name!).sort();

describe('Indexer', () => {
  it('stores objects by namespace/name (name alone when cluster-scoped) and hands back the cached instance', () => {
    const idx = newIndexer();
    const a = pod('default', 'a');
    const node: Pod = { metadata: { name: 'node-1' } };
    idx.add(a);
    idx.add(node);
    expect(idx.get('default/a')).toBe(a);
    expect(idx.get('node-1')).toBe(node);
    expect(idx.keys().sort()).toEqual(['default/a', 'node-1']);
    expect(idx.list()).toHaveLength(2);
    expect(idx.size).toBe(2);
    expect(idx.get('default/missing')).toBeUndefined();
  });

  it('update replaces the object and delete removes it; deleting an absent key is a no-op', () => {
    const idx = newIndexer();
    idx.add(pod('default', 'a', { rv: '1' }));
    idx.update(pod('default', 'a', { rv: '2' }));
    expect(idx.get('default/a')?.metadata?.resourceVersion).toBe('2');
    idx.delete(pod('default', 'a'));
    expect(idx.has('default/a')).toBe(false);
    idx.delete(pod('default', 'a'));
    idx.deleteKey('nope');
    expect(idx.size).toBe(0);
  });

  it('indexes by namespace, node name, owner uid and label', () => {
    const idx = newIndexer();
    idx.add(pod('ns1', 'a', { node: 'n1', owners: ['rs-1'], labels: { app: 'web' } }));
    idx.add(pod('ns1', 'b', { node: 'n2', owners: ['rs-1', 'rs-2'], labels: { app: 'db' } }));
    idx.add(pod('ns2', 'c', { labels: { tier: 'x' } }));
    expect(names(idx.byIndex(NAMESPACE_INDEX, 'ns1'))).toEqual(['a', 'b']);
    expect(names(idx.byIndex(NODE_NAME_INDEX, 'n2'))).toEqual(['b']);
    expect(names(idx.byIndex(OWNER_UID_INDEX, 'rs-1'))).toEqual(['a', 'b']);
    expect(names(idx.byIndex(OWNER_UID_INDEX, 'rs-2'))).toEqual(['b']);
    expect(names(idx.byIndex(labelIndexName('app'), 'web'))).toEqual(['a']);
    expect(idx.indexKeys(NAMESPACE_INDEX, 'ns2')).toEqual(['ns2/c']);
    // Objects without the field are filed under nothing.
    expect(idx.indexValues(NODE_NAME_INDEX).sort()).toEqual(['n1', 'n2']);
    expect(idx.indexValues(labelIndexName('app')).sort()).toEqual(['db', 'web']);
    expect(idx.byIndex(NODE_NAME_INDEX, 'n9')).toEqual([]);
  });

  it('moves an object between index values on update and drops empty values on delete', () => {
    const idx = newIndexer();
    idx.add(pod('default', 'p'));
    expect(idx.indexValues(NODE_NAME_INDEX)).toEqual([]);
    idx.update(pod('default', 'p', { node: 'n1' }));
    expect(names(idx.byIndex(NODE_NAME_INDEX, 'n1'))).toEqual(['p']);
    idx.update(pod('default', 'p', { node: 'n2' }));
    expect(idx.byIndex(NODE_NAME_INDEX, 'n1')).toEqual([]);
    expect(names(idx.byIndex(NODE_NAME_INDEX, 'n2'))).toEqual(['p']);
    idx.delete(pod('default', 'p'));
    expect(idx.indexValues(NODE_NAME_INDEX)).toEqual([]);
    expect(idx.indexValues(NAMESPACE_INDEX)).toEqual([]);
  });

  it('replace swaps the whole contents and rebuilds the indexes', () => {
    const idx = newIndexer();
    idx.add(pod('a', 'old', { node: 'n1' }));
    idx.replace([pod('b', 'new1', { node: 'n2' }), pod('b', 'new2')], '42');
    expect(idx.keys().sort()).toEqual(['b/new1', 'b/new2']);
    expect(idx.byIndex(NODE_NAME_INDEX, 'n1')).toEqual([]);
    expect(idx.byIndex(NAMESPACE_INDEX, 'a')).toEqual([]);
    expect(names(idx.byIndex(NAMESPACE_INDEX, 'b'))).toEqual(['new1', 'new2']);
    expect(idx.lastReplaceResourceVersion()).toBe('42');
  });

  it('indexes existing objects when an index is added later; refuses a name reused for another function and unknown index names', () => {
    const idx = new Indexer<Pod>();
    idx.add(pod('x', 'a', { labels: { team: 'blue' } }));
    const team = labelIndex('team');
    idx.addIndexers({ team });
    expect(names(idx.byIndex('team', 'blue'))).toEqual(['a']);
    // The same function again (two controllers sharing one informer) is fine and indexes nothing twice.
    idx.addIndexers({ team });
    expect(names(idx.byIndex('team', 'blue'))).toEqual(['a']);
    expect(() => idx.addIndexers({ team: labelIndex('team') })).toThrow(/already exists with a different function/);
    expect(() => idx.byIndex('nope', 'x')).toThrow(UnknownIndexError);
    expect(() => idx.indexKeys('nope', 'x')).toThrow(UnknownIndexError);
    expect(idx.indexNames()).toEqual(['team']);
  });
});
