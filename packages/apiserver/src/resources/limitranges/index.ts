/** v1 LimitRange: stored with Kubernetes' LimitRangeItem defaulting (default limit from max, default request from default or min). */
import type { LimitRange } from '@mk8s/api';
import { defaultLimitRange } from '../../admission/plugins/limit-ranger.js';
import { builtinType, defineResource } from '../definition.js';

export const limitRanges = defineResource<LimitRange>({
  type: builtinType('', 'v1', 'limitranges'),
  strategy: { prepareForCreate: defaultLimitRange, prepareForUpdate: defaultLimitRange },
});
