import { describe, expect, it } from 'vitest';
import type { PodTemplateSpec } from '@mk8s/api';
import { canonicalJson, computeTemplateHash, fnv32a, safeEncode, templatesEqualIgnoringHash } from './template-hash.js';

const template: PodTemplateSpec = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'main', image: 'busybox:1', command: ['sleep', '3600'] }] },
} as PodTemplateSpec;

describe('template hash', () => {
  it('fnv32a matches the reference vectors', () => {
    const enc = new TextEncoder();
    expect(fnv32a(enc.encode(''))).toBe(0x811c9dc5);
    expect(fnv32a(enc.encode('a'))).toBe(0xe40c292c);
    expect(fnv32a(enc.encode('foobar'))).toBe(0xbf9cf968);
  });

  it('renders in the safe alphabet, as Kubernetes maps each decimal digit', () => {
    expect(safeEncode('0123456789')).toBe('456789bcdf');
    const h = computeTemplateHash(template);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('is stable under key order and changes with the template and the collision count', () => {
    const reordered = {
      spec: { containers: [{ command: ['sleep', '3600'], image: 'busybox:1', name: 'main' }] },
      metadata: { labels: { app: 'web' } },
    } as PodTemplateSpec;
    expect(canonicalJson(reordered)).toBe(canonicalJson(template));
    expect(computeTemplateHash(reordered)).toBe(computeTemplateHash(template));
    const changed = structuredClone(template);
    changed.spec!.containers[0]!.image = 'busybox:2';
    expect(computeTemplateHash(changed)).not.toBe(computeTemplateHash(template));
    expect(computeTemplateHash(template, 1)).not.toBe(computeTemplateHash(template));
    expect(computeTemplateHash(template, 1)).toBe(computeTemplateHash(template, 1));
  });

  it('compares templates ignoring the pod-template-hash label', () => {
    const hashed = structuredClone(template);
    hashed.metadata!.labels!['pod-template-hash'] = 'abc';
    expect(templatesEqualIgnoringHash(template, hashed)).toBe(true);
    const other = structuredClone(hashed);
    other.metadata!.labels!['tier'] = 'x';
    expect(templatesEqualIgnoringHash(template, other)).toBe(false);
  });
});
