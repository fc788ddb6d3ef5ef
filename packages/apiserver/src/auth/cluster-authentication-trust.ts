/**
 * The ConfigMap `kube-system/extension-apiserver-authentication`, as
 * Kubernetes' cluster authentication trust controller writes it: how an
 * extension API server learns which client certificates to accept
 * (`client-ca-file`) and which front proxy to believe
 * (`requestheader-client-ca-file`, `requestheader-allowed-names`, and the
 * header names as JSON string arrays). Written at start when this server
 * has a client CA or request-header settings; what other API servers of
 * the control plane wrote is kept (bundles and lists are merged, without
 * duplicates), so every one of them is trusted.
 */
import { X509Certificate } from 'node:crypto';
import { resourceFor } from '@mk8s/api';
import { StatusError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import type { RequestHeaderOptions } from './index.js';

export const AUTHENTICATION_TRUST_CONFIGMAP = 'extension-apiserver-authentication';
const NAMESPACE = 'kube-system';

/** The PEM blocks of `a` then those of `b` not already in `a` (by certificate). */
function mergeBundles(a: string | undefined, b: string): string {
  const blocks = (pem: string | undefined): string[] => (pem ?? '').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const block of [...blocks(a), ...blocks(b)]) {
    let id = block;
    try {
      id = new X509Certificate(block).fingerprint256;
    } catch {
      /* kept by its text */
    }
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(block);
  }
  return `${out.join('\n')}\n`;
}

function mergeLists(a: string | undefined, b: readonly string[]): string {
  let existing: string[] = [];
  try {
    const parsed = JSON.parse(a ?? '[]') as unknown;
    if (Array.isArray(parsed)) existing = parsed.filter((x): x is string => typeof x === 'string');
  } catch {
    /* a malformed value is replaced */
  }
  return JSON.stringify([...new Set([...existing, ...b])]);
}

export async function publishAuthenticationTrust(registry: Registry, trust: { clientCA?: Buffer; requestHeader?: RequestHeaderOptions }): Promise<void> {
  if (!trust.clientCA && !trust.requestHeader) return;
  const rt = resourceFor('', 'v1', 'configmaps')!;
  const merged = (data: Record<string, string>): Record<string, string> => {
    const out = { ...data };
    if (trust.clientCA) out['client-ca-file'] = mergeBundles(data['client-ca-file'], trust.clientCA.toString('utf8'));
    const rh = trust.requestHeader;
    if (rh) {
      out['requestheader-client-ca-file'] = mergeBundles(data['requestheader-client-ca-file'], rh.clientCA.toString('utf8'));
      out['requestheader-allowed-names'] = mergeLists(data['requestheader-allowed-names'], rh.allowedNames);
      out['requestheader-username-headers'] = mergeLists(data['requestheader-username-headers'], rh.usernameHeaders);
      out['requestheader-group-headers'] = mergeLists(data['requestheader-group-headers'], rh.groupHeaders);
      out['requestheader-extra-headers-prefix'] = mergeLists(data['requestheader-extra-headers-prefix'], rh.extraHeadersPrefixes);
    }
    return out;
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    let existing: Record<string, unknown> | undefined;
    try {
      existing = await registry.get(rt, NAMESPACE, AUTHENTICATION_TRUST_CONFIGMAP);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
    try {
      if (!existing) {
        const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: AUTHENTICATION_TRUST_CONFIGMAP, namespace: NAMESPACE }, data: merged({}) };
        await registry.create(rt, NAMESPACE, body, { manager: 'kube-apiserver' });
        return;
      }
      const data = (existing['data'] ?? {}) as Record<string, string>;
      const next = merged(data);
      if (JSON.stringify(next) === JSON.stringify(data)) return;
      await registry.update(rt, NAMESPACE, AUTHENTICATION_TRUST_CONFIGMAP, { ...existing, data: next }, { manager: 'kube-apiserver' });
      return;
    } catch (err) {
      // Another API server wrote it meanwhile: merge again.
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    }
  }
}
