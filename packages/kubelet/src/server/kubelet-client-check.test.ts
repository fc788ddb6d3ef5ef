import { describe, expect, it } from 'vitest';
import { checkKubeletClient } from './kubelet-server.js';

const socket = (authorized: boolean, subject?: Record<string, string | string[]>) => ({
  authorized,
  getPeerCertificate: () => (subject ? { subject } : {}),
});

describe('the kubelet server checking its callers', () => {
  it('refuses callers without a verified client certificate (401)', () => {
    expect(checkKubeletClient(socket(false), ['system:masters'])?.code).toBe(401);
    expect(checkKubeletClient(socket(false, { CN: 'x', O: 'system:masters' }), ['system:masters'])?.code).toBe(401);
    expect(checkKubeletClient({}, ['system:masters'])?.code).toBe(401);
  });

  it('allows the authorized groups and forbids anyone else (403)', () => {
    expect(checkKubeletClient(socket(true, { CN: 'kube-apiserver-kubelet-client', O: 'system:masters' }), ['system:masters'])).toBeUndefined();
    expect(checkKubeletClient(socket(true, { CN: 'a', O: ['dev', 'system:masters'] }), ['system:masters'])).toBeUndefined();
    const denied = checkKubeletClient(socket(true, { CN: 'system:node:node-2', O: 'system:nodes' }), ['system:masters']);
    expect(denied).toEqual({ code: 403, message: 'Forbidden (user=system:node:node-2, groups=system:nodes): only system:masters may call this kubelet' });
  });
});
