/**
 * The local cloud's inventory: the machines ("instances") of an mk8s cluster,
 * kept by the launcher in `$MK8S_HOME/cloud/instances.json` and read by the
 * local provider (`--cloud-config FILE`). The launcher is the only writer: it
 * adds a node as `running` when it starts its processes, and marks it
 * `stopped` or `removed` when it stops them or takes it away. The file is
 * replaced atomically (write, then rename), so a reader never sees half of it.
 *
 *   {
 *     "region": "local", "zone": "local-a",
 *     "instances": {
 *       "node-1": { "state": "running", "addresses": [{ "type": "InternalIP", "address": "127.0.0.1" }] },
 *       "node-3": { "state": "removed" }
 *     }
 *   }
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, type NodeAddress } from '@mk8s/api';

export type InstanceState = 'running' | 'stopped' | 'removed';
export const INSTANCE_STATES: readonly InstanceState[] = ['running', 'stopped', 'removed'];

export interface InventoryInstance {
  state: InstanceState;
  addresses?: NodeAddress[];
  /** Overrides the inventory's zone/region for this machine. */
  zone?: string;
  region?: string;
}

export interface Inventory {
  region?: string;
  zone?: string;
  instances: Record<string, InventoryInstance>;
}

export const DEFAULT_REGION = 'local';
export const DEFAULT_ZONE = 'local-a';

export class InventoryError extends Error {}

/** Checks the shape; throws InventoryError naming what is wrong. */
export function parseInventory(text: string, source = 'inventory'): Inventory {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InventoryError(`${source}: not JSON (${errorMessage(err)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InventoryError(`${source}: want an object`);
  const obj = raw as Record<string, unknown>;
  const instances = obj['instances'] ?? {};
  if (typeof instances !== 'object' || instances === null || Array.isArray(instances)) throw new InventoryError(`${source}: "instances" must be an object`);
  const out: Inventory = { instances: {} };
  if (typeof obj['region'] === 'string') out.region = obj['region'];
  if (typeof obj['zone'] === 'string') out.zone = obj['zone'];
  for (const [name, value] of Object.entries(instances as Record<string, unknown>)) {
    const inst = value as Partial<InventoryInstance> | null;
    if (!inst || typeof inst !== 'object' || !INSTANCE_STATES.includes(inst.state as InstanceState)) {
      throw new InventoryError(`${source}: instance "${name}" needs a state of ${INSTANCE_STATES.join('|')}`);
    }
    const addresses = Array.isArray(inst.addresses)
      ? inst.addresses
          .filter((a): a is NodeAddress => typeof a?.type === 'string' && typeof a?.address === 'string')
          .map((a) => ({ type: a.type, address: a.address }))
      : undefined;
    out.instances[name] = {
      state: inst.state!,
      addresses,
      zone: typeof inst.zone === 'string' ? inst.zone : undefined,
      region: typeof inst.region === 'string' ? inst.region : undefined,
    };
  }
  return out;
}

/** The inventory in `file`; an empty one when the file does not exist. */
export async function readInventory(file: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { instances: {} };
    throw err;
  }
  return parseInventory(text, file);
}

/** Replaces `file` atomically. */
export async function writeInventory(file: string, inventory: Inventory): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(inventory, null, 2)}\n`);
  await rename(tmp, file);
}

/** Reads, changes one instance, writes back. `undefined` removes the entry. */
export async function setInstance(file: string, name: string, instance: InventoryInstance | undefined): Promise<Inventory> {
  const inv = await readInventory(file);
  if (instance) inv.instances[name] = instance;
  else delete inv.instances[name];
  await writeInventory(file, inv);
  return inv;
}
