/**
 * The resources the API server serves, one typed definition per kind (see
 * definition.ts), and the catalog the machinery looks them up in.
 */
export { BUILTIN_RESOURCES } from './builtin.js';
export { ResourceCatalog } from './catalog.js';
export {
  builtinType,
  defineResource,
  fieldLabelsOf,
  selectableFields,
  type AllocatorSettings,
  type ResourceDefinition,
  type ResourceRequest,
  type SubresourceDefinition,
} from './definition.js';
export { validateCreate, validateStatus, validateUpdate } from './validate.js';
