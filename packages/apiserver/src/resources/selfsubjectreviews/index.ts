/** authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`): create-only, never stored; the answer is the requesting user. */
import { builtinType, defineResource } from '../definition.js';
import { reviewVerbs } from '../selfsubjectaccessreviews/index.js';

export const selfSubjectReviews = defineResource({
  type: builtinType('authentication.k8s.io', 'v1', 'selfsubjectreviews'),
  verbs: reviewVerbs,
});
