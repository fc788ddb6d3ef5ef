/** All API schemas (TypeBox, inline JSON Schema) and their TypeScript types, by group. */
export * from './schema-kit.js';
export * from './meta.js';
export * from './core-pod.js';
export * from './core.js';
export * from './core-policy.js';
export * from './apps.js';
export * from './autoscaling.js';
export * from './events.js';
export * from './coordination.js';
export * from './policy.js';
export * from './rbac.js';
