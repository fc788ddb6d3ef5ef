/** v1 ServiceAccount, with the `token` subresource (TokenRequest, auth/token-request.ts). */
import type { ServiceAccount } from '@mk8s/api';
import { errors } from '../../errors.js';
import { builtinType, defineResource } from '../definition.js';
import { serviceAccountPrinter } from './printer.js';

export const serviceAccounts = defineResource<ServiceAccount>({
  type: builtinType('', 'v1', 'serviceaccounts'),
  printer: serviceAccountPrinter,
  subresources: {
    token: {
      kind: 'TokenRequest',
      verbs: ['create'],
      group: 'authentication.k8s.io',
      version: 'v1',
      async serve({ ctx, namespace, name, req, reply }) {
        if (!ctx.auth) throw errors.notFoundPath();
        reply.code(201);
        return ctx.auth.tokenRequest(namespace!, name, req.body);
      },
    },
  },
});
