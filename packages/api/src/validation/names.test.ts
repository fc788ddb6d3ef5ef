import { describe, expect, it } from 'vitest';
import {
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isHTTPHeaderName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidCIDR,
  isValidIP,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  validateNameByRule,
} from './names.js';

describe('DNS names', () => {
  it.each(['a', 'abc', 'a-b', '0', 'a'.repeat(63)])('label %j is valid', (v) => expect(isDNS1123Label(v)).toEqual([]));

  it('label errors use Kubernetes wording', () => {
    expect(isDNS1123Label('A')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
    expect(isDNS1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
    expect(isDNS1123Label('-a')).toHaveLength(1);
    expect(isDNS1123Label('')).toHaveLength(1);
  });

  it.each(['a', 'example.com', 'a-b.c-d', '1.2.3'])('subdomain %j is valid', (v) => expect(isDNS1123Subdomain(v)).toEqual([]));

  it('subdomain errors', () => {
    expect(isDNS1123Subdomain('Example.com')).toEqual([
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    expect(isDNS1123Subdomain('a..b')).toHaveLength(1);
    expect(isDNS1123Subdomain('a'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });

  it('DNS-1035 labels must start with a letter', () => {
    expect(isDNS1035Label('my-svc')).toEqual([]);
    expect(isDNS1035Label('1svc')[0]).toContain('a DNS-1035 label must consist of lower case alphanumeric characters');
  });
});

describe('qualified names and label values', () => {
  it.each(['a', 'A_b.c-D', 'example.com/name', 'k8s.io/app', 'a'.repeat(63)])('%j is a qualified name', (v) => expect(isQualifiedName(v)).toEqual([]));

  it.each([
    ['', ['name part must be non-empty', 'name part must consist of']],
    ['/a', ['prefix part must be non-empty']],
    ['Example.com/a', ['prefix part a lowercase RFC 1123 subdomain']],
    ['a/b/c', ['a qualified name must consist of alphanumeric characters']],
    ['a_', ['name part must consist of alphanumeric characters']],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
  ])('%j is not a qualified name', (v, fragments) => {
    const errs = isQualifiedName(v);
    expect(errs).toHaveLength(fragments.length);
    fragments.forEach((f, i) => expect(errs[i]).toContain(f));
  });

  it('label values', () => {
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('my_value.1')).toEqual([]);
    expect(isValidLabelValue('-x')[0]).toContain('a valid label must be an empty string or consist of alphanumeric characters');
    expect(isValidLabelValue('v'.repeat(64))[0]).toBe('must be no more than 63 characters');
  });
});

describe('other formats', () => {
  it('C identifiers', () => {
    expect(isCIdentifier('MY_VAR1')).toEqual([]);
    expect(isCIdentifier('1abc')[0]).toContain('a valid C identifier must start with alphabetic character');
  });

  it('environment variable names', () => {
    expect(isEnvVarName('my.env-name')).toEqual([]);
    expect(isEnvVarName('1A')[0]).toContain('a valid environment variable name must consist of alphabetic characters');
    expect(isEnvVarName('..a')).toEqual(["must not start with '..'"]);
    expect(isRelaxedEnvVarName('1 weird:name')).toEqual([]);
    expect(isRelaxedEnvVarName('A=B')).toEqual(["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
    expect(isRelaxedEnvVarName('')).toEqual(['environment variable name must be non-empty']);
  });

  it('config map keys', () => {
    expect(isConfigMapKey('key.name_1-x')).toEqual([]);
    expect(isConfigMapKey('a/b')[0]).toContain("a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
    expect(isConfigMapKey('..')).toEqual(["must not be '..'"]);
    expect(isConfigMapKey('.')).toEqual(["must not be '.'"]);
  });

  it('port names and numbers', () => {
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('a-very-long-port-name')).toContain('must be no more than 15 characters');
    expect(isValidPortName('80')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isValidPortName('-ab')).toEqual(['must not begin or end with a hyphen']);
    expect(isValidPortName('HTTP')).toContain('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
    expect(isValidPortNum(1)).toEqual([]);
    expect(isValidPortNum(65535)).toEqual([]);
    expect(isValidPortNum(0)).toEqual(['must be between 1 and 65535, inclusive']);
    expect(isValidPortNum(65536)).toEqual(['must be between 1 and 65535, inclusive']);
  });

  it('percent, header names, IPs, CIDRs, path segments', () => {
    expect(isValidPercent('25%')).toEqual([]);
    expect(isValidPercent('25')[0]).toContain("a valid percent string must be a numeric string followed by an ending '%'");
    expect(isHTTPHeaderName('X-Custom')).toEqual([]);
    expect(isHTTPHeaderName('X Custom')).toHaveLength(1);
    expect(isValidIP('10.0.0.1')).toEqual([]);
    expect(isValidIP('fd00::1')).toEqual([]);
    expect(isValidIP('010.000.000.001')).toEqual([]);
    expect(isValidIP('10.0.0.256')).toEqual(['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    expect(isValidCIDR('10.244.0.0/16')).toEqual([]);
    expect(isValidCIDR('10.244.0.0/33')).toHaveLength(1);
    expect(isValidCIDR('10.244.0.0')).toHaveLength(1);
    expect(isValidPathSegmentName('..')).toEqual(["may not be '..'"]);
    expect(isValidPathSegmentName('a/b%')).toEqual(["may not contain '/'", "may not contain '%'"]);
    expect(isValidPathSegmentName('Any_Name.1')).toEqual([]);
    // Not a Kubernetes rule: our storage keys cannot hold NUL, so such names are refused (422) here.
    expect(isValidPathSegmentName('a\u0000b')).toEqual(['may not contain the NUL character']);
    expect(validateNameByRule('path-segment', 'x\u0000', true)).toEqual(['may not contain the NUL character']);
  });

  it('name rules accept a generateName prefix ending in a dash', () => {
    expect(validateNameByRule('subdomain', 'web-', true)).toEqual([]);
    expect(validateNameByRule('subdomain', 'web-', false)).toHaveLength(1);
    expect(validateNameByRule('label', 'a.b-', true)).toEqual(['must not contain dots']);
    expect(validateNameByRule('dns1035-label', 'svc-', true)).toEqual([]);
    expect(validateNameByRule('path-segment', 'x/', true)).toEqual(["may not contain '/'"]);
  });
});
