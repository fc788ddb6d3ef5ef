export { ServiceAccountsController, type ServiceAccountsControllerOptions } from './serviceaccounts-controller.js';
