/** authorization.k8s.io/v1 SelfSubjectRulesReview (`kubectl auth can-i --list`): create-only, never stored; the answer is the rules the authorizers grant in `spec.namespace` (auth/access-review.ts). */
import { builtinType, defineResource } from '../definition.js';
import { reviewVerbs } from '../selfsubjectaccessreviews/index.js';

export const selfSubjectRulesReviews = defineResource({
  type: builtinType('authorization.k8s.io', 'v1', 'selfsubjectrulesreviews'),
  verbs: reviewVerbs,
});
