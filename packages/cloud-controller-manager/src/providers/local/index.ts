export { LocalCloudProvider, LOCAL_PROVIDER_ID_SCHEME, LOCAL_PROVIDER_NAME, type LocalCloudOptions } from './local-provider.js';
export {
  DEFAULT_REGION,
  DEFAULT_ZONE,
  INSTANCE_STATES,
  InventoryError,
  parseInventory,
  readInventory,
  setInstance,
  writeInventory,
  type Inventory,
  type InstanceState,
  type InventoryInstance,
} from './inventory.js';
export { AddressPool, DEFAULT_LOAD_BALANCER_POOL, PoolError, parsePool } from './pool.js';
