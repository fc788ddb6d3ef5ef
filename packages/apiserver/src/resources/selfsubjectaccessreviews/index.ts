/** authorization.k8s.io/v1 SelfSubjectAccessReview: create-only, never stored; the answer is the authorizers' decision (auth/access-review.ts). */
import { errors } from '../../errors.js';
import { builtinType, defineResource, type CustomVerbs } from '../definition.js';

/** The reviews answer a create from authentication and authorization, which own the logic (auth/access-review.ts, auth/token-review.ts). */
export const reviewVerbs: CustomVerbs = {
  async create({ ctx, definition, req, reply, info }) {
    if (!ctx.auth) throw errors.notFoundPath();
    reply.code(201);
    return ctx.auth.review(definition.type, req, info);
  },
};

export const selfSubjectAccessReviews = defineResource({
  type: builtinType('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews'),
  verbs: reviewVerbs,
});
