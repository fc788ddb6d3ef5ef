/**
 * The audit log (see docs/audit.md): `AuditLogger` turns finished requests
 * into audit.k8s.io/v1 Event lines on a rotated, non-blocking file.
 *
 * ```ts
 * const audit = new AuditLogger({ path: '/var/log/mk8s/audit.log', level: 'Metadata', maxSizeMB: 100, maxBackups: 3 });
 * app.addHook('onResponse', (req, reply, done) => { audit.record(req, reply); done(); });
 * ```
 */
export { AuditLogger, auditAnnotations, auditEvent, microTime, type AuditEvent, type AuditOptions } from './audit-log.js';
export { RotatingFileWriter, backupName, type FileWriterOptions } from './file-writer.js';
export {
  AUDIT_LEVELS,
  AuditPolicyError,
  globalPolicy,
  levelFor,
  loadPolicyFile,
  parsePolicy,
  type AuditLevel,
  type AuditPolicy,
  type PolicyRule,
} from './policy.js';
