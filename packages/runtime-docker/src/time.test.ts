import { describe, expect, it } from 'vitest';
import { dockerSinceAfter, nowNs, rfc3339ToNs } from './time.js';

describe('rfc3339ToNs', () => {
  it('keeps the sub-millisecond part', () => {
    const base = Date.parse('2024-05-01T10:00:00Z') * 1e6;
    expect(rfc3339ToNs('2024-05-01T10:00:00.000001234Z')).toBe(base + 1234);
    expect(rfc3339ToNs('2024-05-01T10:00:00.5Z')).toBe(base + 5e8);
    expect(rfc3339ToNs('2024-05-01T12:00:00+02:00')).toBe(base);
  });

  it("reads Docker's zero time and garbage as 0", () => {
    expect(rfc3339ToNs('0001-01-01T00:00:00Z')).toBe(0);
    expect(rfc3339ToNs('yesterday')).toBe(0);
    expect(rfc3339ToNs(undefined)).toBe(0);
  });
});

describe('nowNs', () => {
  it('strictly increases', () => {
    const a = nowNs();
    const b = nowNs();
    expect(b).toBeGreaterThan(a);
  });
});

describe('dockerSinceAfter', () => {
  it('is one nanosecond after the time, exactly, with carry', () => {
    const s = Date.parse('2024-05-01T10:00:00Z') / 1000;
    expect(dockerSinceAfter('2024-05-01T10:00:00.123456789Z')).toBe(`${s}.123456790`);
    expect(dockerSinceAfter('2024-05-01T10:00:00Z')).toBe(`${s}.000000001`);
    expect(dockerSinceAfter('2024-05-01T10:00:00.999999999Z')).toBe(`${s + 1}.000000000`);
    expect(dockerSinceAfter('garbage')).toBeUndefined();
    expect(dockerSinceAfter(undefined)).toBeUndefined();
  });
});
