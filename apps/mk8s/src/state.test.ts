import { describe, expect, it } from 'vitest';
import { clusterMode, type ClusterShape } from './state.js';

const shape = (secure: boolean): ClusterShape => ({
  apiPort: 6443,
  nodes: 2,
  runtime: 'docker',
  nodeNames: ['node-1', 'node-2'],
  secure,
});

describe('clusterMode', () => {
  it('takes the flag for a new cluster', () => {
    expect(clusterMode(undefined, false, undefined)).toEqual({ secure: false });
    expect(clusterMode(undefined, false, true)).toEqual({ secure: true });
    // A shape without data (purged) is a new cluster too.
    expect(clusterMode(shape(true), false, undefined)).toEqual({ secure: false });
  });

  it('restarts a secure cluster secure, with or without the flag', () => {
    expect(clusterMode(shape(true), true, undefined)).toEqual({ secure: true });
    expect(clusterMode(shape(true), true, true)).toEqual({ secure: true });
  });

  it('refuses a mode change of existing data', () => {
    expect(clusterMode(shape(false), true, true)).toMatchObject({ refuse: expect.stringContaining('mk8s down --purge') });
    expect(clusterMode(shape(false), true, undefined)).toEqual({ secure: false });
  });
});
