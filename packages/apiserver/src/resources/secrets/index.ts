/** v1 Secret: `stringData` is a write-only convenience, merged into `data` (base64) and never stored. */
import { defaultSecret, validateSecret, validateSecretUpdate, type Secret } from '@mk8s/api';
import type { Obj } from '../../registry/strategy.js';
import { builtinType, defineResource, fieldText } from '../definition.js';
import { secretPrinter } from './printer.js';

function mergeStringData(obj: Obj): void {
  const stringData = obj['stringData'] as Record<string, string> | undefined;
  if (!stringData) return;
  const data = ((obj['data'] as Record<string, string> | undefined) ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  obj['data'] = data;
  delete obj['stringData'];
}

export const secrets = defineResource<Secret>({
  type: builtinType('', 'v1', 'secrets'),
  strategy: { prepareForCreate: mergeStringData, prepareForUpdate: mergeStringData },
  defaults: defaultSecret,
  validation: {
    create: (secret, { namespaced }) => validateSecret(secret, namespaced),
    update: (secret, old) => validateSecretUpdate(secret, old),
  },
  fields: { labels: ['type'], of: (secret) => ({ type: fieldText(secret, 'type') }) },
  printer: secretPrinter,
});
