import { describe, expect, it } from 'vitest';
import { cpuQuantity, goDuration, memoryQuantity } from './quantities.js';

describe('metrics quantities', () => {
  it('CPU from nanocores in canonical decimal form', () => {
    expect(cpuQuantity(0)).toBe('0');
    expect(cpuQuantity(12_345)).toBe('12345n');
    expect(cpuQuantity(5_000_000)).toBe('5m');
    expect(cpuQuantity(1_500_000)).toBe('1500u');
    expect(cpuQuantity(2_000_000_000)).toBe('2');
    expect(cpuQuantity(999_502.4)).toBe('999502n');
  });
  it('memory from bytes in canonical binary form', () => {
    expect(memoryQuantity(0)).toBe('0');
    expect(memoryQuantity(1000)).toBe('1000');
    expect(memoryQuantity(1_263_616)).toBe('1234Ki');
    expect(memoryQuantity(4 * 1024 * 1024)).toBe('4Mi');
  });
  it('windows as Go durations', () => {
    expect(goDuration(10_000)).toBe('10s');
    expect(goDuration(2_008)).toBe('2.008s');
    expect(goDuration(500)).toBe('500ms');
    expect(goDuration(75_000)).toBe('1m15s');
  });
});
