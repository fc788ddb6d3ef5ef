/** authorization.k8s.io/v1 LocalSubjectAccessReview: a SubjectAccessReview about the namespace it is created in; create-only, never stored (auth/access-review.ts). */
import { builtinType, defineResource } from '../definition.js';
import { reviewVerbs } from '../selfsubjectaccessreviews/index.js';

export const localSubjectAccessReviews = defineResource({
  type: builtinType('authorization.k8s.io', 'v1', 'localsubjectaccessreviews'),
  verbs: reviewVerbs,
});
