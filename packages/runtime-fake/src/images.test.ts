import { describe, expect, it } from 'vitest';
import { ImageStore, normalizeImageRef } from './images.js';

describe('images', () => {
  it('normalizes references the way Docker reads them', () => {
    expect(normalizeImageRef('busybox')).toBe('busybox:latest');
    expect(normalizeImageRef('docker.io/library/busybox:1.36')).toBe('busybox:1.36');
    expect(normalizeImageRef('docker.io/someone/app')).toBe('someone/app:latest');
    expect(normalizeImageRef('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeImageRef('app@sha256:abcd')).toBe('app@sha256:abcd');
  });

  it('finds an image by any spelling of its reference or by id, and removes it', () => {
    const store = new ImageStore(['busybox']);
    const image = store.get('docker.io/library/busybox:latest');
    expect(image?.repoTags).toEqual(['busybox:latest']);
    expect(image?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(store.get(image?.id ?? '')).toBe(image);
    expect(store.add('busybox:latest')).toBe(image);
    expect(store.get('busybox:1.0')).toBeUndefined();

    store.remove(image?.id ?? '');
    expect(store.get('busybox')).toBeUndefined();
    expect(store.list()).toEqual([]);
  });
});
