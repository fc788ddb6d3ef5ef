/**
 * The body of a server-side apply (`application/apply-patch+yaml`): YAML
 * (JSON is YAML too) holding one object, brought to plain JSON (a
 * `!!binary` or other typed scalar becomes what JSON makes of it) and held
 * to the JSON body's depth limit. Shared by resources and their scale
 * subresource.
 */
import YAML from 'yaml';
import { errorMessage } from '@mk8s/api';
import { errors } from '../errors.js';
import { parseJsonBody } from './json-body.js';

export const APPLY_PATCH = 'application/apply-patch+yaml';

export function parseApplyConfiguration(body: unknown): unknown {
  // The apply-patch content parser hands over the text; an empty body arrives as nothing and is refused as not an object.
  const text = typeof body === 'string' ? body : '';
  let json: string;
  try {
    json = JSON.stringify(YAML.parse(text, { maxAliasCount: 100 })) ?? 'null';
  } catch (err) {
    throw errors.badRequest(`error decoding YAML: ${errorMessage(err)}`);
  }
  return parseJsonBody(json);
}
