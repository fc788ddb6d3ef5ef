import { describe, expect, it } from 'vitest';
import type { FieldError } from '../field-errors.js';
import type { JsonObject } from './json.js';
import { validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './rbac.js';

const RBAC = 'rbac.authorization.k8s.io';
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const roleRef = { apiGroup: RBAC, kind: 'Role', name: 'reader' };
const binding = (subjects: unknown[], extra: JsonObject = {}): JsonObject => ({
  metadata: { name: 'rb', namespace: 'default' },
  roleRef,
  subjects,
  ...extra,
});
const clusterBinding = (subjects: unknown[]): JsonObject => ({
  metadata: { name: 'crb' },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
  subjects,
});
const shown = (errs: FieldError[]): string[] => errs.map((e) => `${e.type} ${e.field}: ${e.message}`);

describe('RBAC subjects', () => {
  it('accepts valid ServiceAccount, User and Group subjects', () => {
    expect(
      validateRoleBinding(
        binding([
          { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
          { kind: 'ServiceAccount', name: 'default' },
          { kind: 'User', apiGroup: RBAC, name: 'Jane Doe <jane@example.com>' },
          { kind: 'Group', apiGroup: RBAC, name: 'system:authenticated' },
        ]),
      ),
    ).toEqual([]);
  });

  it('requires a valid ServiceAccount name (a DNS-1123 subdomain) for ServiceAccount subjects', () => {
    for (const name of ['Bad/Name!', 'a\u0000b', '..', 'a%2f', 'UPPER']) {
      expect(shown(validateRoleBinding(binding([{ kind: 'ServiceAccount', name, namespace: 'ci' }])))).toEqual([
        `FieldValueInvalid subjects[0].name: Invalid value: ${JSON.stringify(name)}: ${SUBDOMAIN_MSG}`,
      ]);
    }
    expect(shown(validateRoleBinding(binding([{ kind: 'ServiceAccount', name: 'x'.repeat(254) }])))[0]).toBe(
      `FieldValueInvalid subjects[0].name: Invalid value: "${'x'.repeat(254)}": must be no more than 253 characters`,
    );
  });

  it('checks apiGroup, name and namespace per kind, with Kubernetes paths and messages', () => {
    expect(
      shown(
        validateClusterRoleBinding(
          clusterBinding([
            { kind: 'ServiceAccount', apiGroup: RBAC, name: 'sa' },
            { kind: 'User', name: '' },
            { kind: 'Group', apiGroup: 'v1', name: '' },
            { kind: 'Robot', name: 'r2' },
          ]),
        ),
      ),
    ).toEqual([
      `FieldValueNotSupported subjects[0].apiGroup: Unsupported value: "${RBAC}": supported values: ""`,
      'FieldValueRequired subjects[0].namespace: Required value',
      'FieldValueRequired subjects[1].name: Required value',
      'FieldValueInvalid subjects[1].name: Invalid value: "": user name cannot be empty',
      `FieldValueNotSupported subjects[1].apiGroup: Unsupported value: "": supported values: "${RBAC}"`,
      'FieldValueRequired subjects[2].name: Required value',
      'FieldValueInvalid subjects[2].name: Invalid value: "": group name cannot be empty',
      `FieldValueNotSupported subjects[2].apiGroup: Unsupported value: "v1": supported values: "${RBAC}"`,
      'FieldValueNotSupported subjects[3].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ]);
  });
});

describe('RBAC roleRef and rules', () => {
  it('validates roleRef.name as a path segment name', () => {
    expect(shown(validateRoleBinding(binding([], { roleRef: { apiGroup: RBAC, kind: 'Role', name: 'a/b%' } })))).toEqual([
      `FieldValueInvalid roleRef.name: Invalid value: "a/b%": may not contain '/'`,
      `FieldValueInvalid roleRef.name: Invalid value: "a/b%": may not contain '%'`,
    ]);
    expect(shown(validateClusterRoleBinding({ metadata: { name: 'crb' }, roleRef: { apiGroup: 'x', kind: 'Role', name: '..' } }))).toEqual([
      `FieldValueNotSupported roleRef.apiGroup: Unsupported value: "x": supported values: "${RBAC}"`,
      'FieldValueNotSupported roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      `FieldValueInvalid roleRef.name: Invalid value: "..": may not be '..'`,
    ]);
  });

  it('limits resourceNames to a single resource and keeps them off non-resource rules', () => {
    const role = {
      metadata: { name: 'system:reader' },
      rules: [
        { verbs: ['get'], apiGroups: [''], resources: ['pods', 'secrets'], resourceNames: ['a'] },
        { verbs: ['get'], nonResourceURLs: ['/healthz'], resourceNames: ['a'] },
      ],
    };
    expect(shown(validateClusterRole(role))).toEqual([
      'FieldValueRequired rules[0].resourceNames: Required value: resource names cannot apply to multiple resources',
      'FieldValueInvalid rules[1].nonResourceURLs: Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs',
    ]);
  });
});

describe('RBAC object names (path segments)', () => {
  it('accepts names DNS rules would refuse, refuses ".", "..", "/", "%" and NUL for every RBAC kind', () => {
    expect(validateRole({ metadata: { name: 'system:Reader_1', namespace: 'default' } })).toEqual([]);
    const cases: [string, string[]][] = [
      ['.', ["may not be '.'"]],
      ['..', ["may not be '..'"]],
      ['a/b', ["may not contain '/'"]],
      ['100%', ["may not contain '%'"]],
      ['a\u0000b', ['may not contain the NUL character']],
    ];
    const validators = [
      [(o: Record<string, unknown>) => validateRole(o, true), true],
      [(o: Record<string, unknown>) => validateRoleBinding(o, true), true],
      [(o: Record<string, unknown>) => validateClusterRole(o), false],
      [(o: Record<string, unknown>) => validateClusterRoleBinding(o), false],
    ] as const;
    for (const [validate, namespaced] of validators) {
      for (const [name, messages] of cases) {
        const metadata = namespaced ? { name, namespace: 'default' } : { name };
        const errs = validate({ metadata, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' } });
        expect(shown(errs)).toEqual(messages.map((m) => `FieldValueInvalid metadata.name: Invalid value: ${JSON.stringify(name)}: ${m}`));
      }
    }
  });
});
