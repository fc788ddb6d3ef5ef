export { ResourceQuotaController, type ResourceQuotaControllerOptions } from './resource-quota-controller.js';
