import { describe, expect, it } from 'vitest';
import { UnknownControllerError, selectControllers, type ControllerDescriptor } from './descriptors.js';

const d = (name: string, alias: string, defaultOn = true): ControllerDescriptor<unknown> => ({
  name,
  aliases: [alias],
  defaultOn,
  defaultWorkers: 1,
  create: () => ({ run: async () => undefined }),
});
const TABLE = [d('replicaset-controller', 'replicaset'), d('endpoints-controller', 'endpoint'), d('extra-controller', 'extra', false)];
const names = (entries: string[]) => selectControllers(entries, TABLE).map((x) => x.name);

describe('selectControllers (--controllers)', () => {
  it("'*' is the default-on set; names add, '-name' removes, aliases work", () => {
    expect(names(['*'])).toEqual(['replicaset-controller', 'endpoints-controller']);
    expect(names(['*', 'extra'])).toEqual(['replicaset-controller', 'endpoints-controller', 'extra-controller']);
    expect(names(['*', '-endpoint'])).toEqual(['replicaset-controller']);
    expect(names(['-replicaset-controller', '*'])).toEqual(['endpoints-controller']);
    expect(names(['endpoints-controller'])).toEqual(['endpoints-controller']);
    expect(names([])).toEqual([]);
    // Entries are trimmed and empty ones ignored (`--controllers '*, -endpoint'`).
    expect(names([' * ', '', ' -endpoint'])).toEqual(['replicaset-controller']);
  });

  it('an unknown name is an error that lists the known ones', () => {
    expect(() => names(['*', 'replicaset-contoller'])).toThrow(UnknownControllerError);
    expect(() => names(['bogus'])).toThrow(/known: replicaset-controller, endpoints-controller, extra-controller/);
  });
});
