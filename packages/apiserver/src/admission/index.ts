/**
 * Admission: the plugins that see every write after decoding and defaulting
 * and before storage (see docs/admission.md).
 *
 * ```ts
 * const chain = buildAdmissionChain({ cache, store, now }, { disable: ['PodSecurity'] });
 * const registry = new Registry({ store, cache, admit: chain });
 * ```
 */
export {
  ADMISSION_PLUGINS,
  AdmissionChain,
  UnknownAdmissionPluginError,
  buildAdmissionChain,
  enabledPlugins,
  type AdmissionOptions,
  type AdmissionPluginName,
} from './chain.js';
export { addDefaultTolerations } from './plugins/default-toleration-seconds.js';
export { LIMIT_RANGER_ANNOTATION, applyLimitRangeDefaults, defaultLimitRange, limitRangeItemDefaults, limitRangeViolations } from './plugins/limit-ranger.js';
export { DEFAULT_POD_SECURITY, PodSecurity, isSignificantPodUpdate, type PodSecuritySettings } from './plugins/pod-security.js';
export {
  AUDIT_LABEL,
  AUDIT_VERSION_LABEL,
  ENFORCE_LABEL,
  ENFORCE_VERSION_LABEL,
  NEWEST_POLICY_MINOR,
  SERVER_MINOR,
  POD_SECURITY_LEVELS,
  SAFE_SYSCTLS,
  WARN_LABEL,
  WARN_VERSION_LABEL,
  evaluatePod,
  forbiddenDetail,
  forbiddenReason,
  podSecurityViolations,
  policyToEvaluate,
  type CheckFailure,
  type LevelVersion,
  type PodSecurityLevel,
  type PodSecurityPolicy,
  type PolicyVersion,
} from './plugins/pod-security-policy.js';
export { admitUpdate, requestAttributes, type UpdateAdmission } from './update.js';
export type { AdmissionAttributes, AdmissionContext, AdmissionFinisher, AdmissionHooks, AdmissionPlugin, AdmissionRequest } from './types.js';
