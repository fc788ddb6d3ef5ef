/**
 * Admission: the plugins that see every write after decoding and defaulting
 * and before storage (see docs/admission.md).
 *
 * ```ts
 * const chain = buildAdmissionChain({ cache, store, now }, { disable: ['PodSecurity'] });
 * const registry = new Registry({ store, cache, admit: chain });
 * ```
 */
export { ADMISSION_PLUGINS, AdmissionChain, UnknownAdmissionPluginError, buildAdmissionChain, enabledPlugins, type AdmissionOptions, type AdmissionPluginName } from './chain.js';
export { addDefaultTolerations } from './plugins/default-toleration-seconds.js';
export { LIMIT_RANGER_ANNOTATION, applyLimitRangeDefaults, defaultLimitRange, limitRangeItemDefaults, limitRangeViolations } from './plugins/limit-ranger.js';
export {
  DEFAULT_POD_SECURITY,
  ENFORCE_LABEL,
  POD_SECURITY_LEVELS,
  podSecurityViolations,
  type PodSecurityLevel,
  type PodSecuritySettings,
} from './plugins/pod-security.js';
export type { AdmissionAttributes, AdmissionContext, AdmissionFinisher, AdmissionHooks, AdmissionPlugin } from './types.js';
