import { parseLabelSelector } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import { Indexer, NAMESPACE_INDEX, labelIndex, namespaceIndex } from './indexer.js';
import { Lister } from './lister.js';

function obj(name: string, ns?: string, labels?: Record<string, string>): KubeObject {
  return { metadata: { name, namespace: ns, labels } };
}

const names = (objs: KubeObject[]): string[] => objs.map((o) => o.metadata!.name!).sort();

describe('Lister', () => {
  const idx = new Indexer<KubeObject>({ [NAMESPACE_INDEX]: namespaceIndex, app: labelIndex('app') });
  idx.add(obj('web-1', 'prod', { app: 'web', tier: 'front' }));
  idx.add(obj('web-2', 'dev', { app: 'web' }));
  idx.add(obj('db-1', 'prod', { app: 'db' }));
  idx.add(obj('bare', 'prod'));
  idx.add(obj('node-a', undefined, { zone: 'z1' }));
  const lister = new Lister(idx);

  it('lists everything, or what a label selector matches', () => {
    expect(lister.list()).toHaveLength(5);
    expect(names(lister.list(parseLabelSelector('app=web')))).toEqual(['web-1', 'web-2']);
    expect(names(lister.list(parseLabelSelector('app in (web,db),tier!=front')))).toEqual(['db-1', 'web-2']);
    expect(names(lister.list(parseLabelSelector('!app')))).toEqual(['bare', 'node-a']);
    expect(names(lister.list(parseLabelSelector('')))).toHaveLength(5);
  });

  it('lists and gets within a namespace', () => {
    expect(names(lister.namespace('prod').list())).toEqual(['bare', 'db-1', 'web-1']);
    expect(names(lister.namespace('prod').list(parseLabelSelector('app')))).toEqual(['db-1', 'web-1']);
    expect(lister.namespace('dev').get('web-2')?.metadata?.name).toBe('web-2');
    expect(lister.namespace('dev').get('web-1')).toBeUndefined();
    expect(lister.namespace('empty').list()).toEqual([]);
  });

  it('gets cluster-scoped objects by name and reads indexes', () => {
    expect(lister.get('node-a')?.metadata?.labels).toEqual({ zone: 'z1' });
    expect(lister.get('web-1')).toBeUndefined();
    expect(names(lister.byIndex('app', 'db'))).toEqual(['db-1']);
  });

  it('works without a namespace index by scanning', () => {
    const plain = new Indexer<KubeObject>();
    plain.add(obj('a', 'x'));
    plain.add(obj('b', 'y'));
    expect(names(new Lister(plain).namespace('x').list())).toEqual(['a']);
  });
});
