import { describe, expect, it } from 'vitest';
import { FakeClock } from '@mk8s/client';
import { ControllerExpectations, EXPECTATIONS_TTL_MS } from './controller-expectations.js';

describe('ControllerExpectations', () => {
  it('a key without a record is satisfied', () => {
    expect(new ControllerExpectations().satisfied('ns/rs')).toBe(true);
  });

  it('is satisfied only once every expected creation is observed', () => {
    const e = new ControllerExpectations();
    e.expectCreations('ns/rs', 2);
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
    // Extra observations (pods created by someone else) do not make it negative forever.
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('counts the deletion of each pod once, however often it is observed', () => {
    const e = new ControllerExpectations();
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    expect(e.satisfied('ns/rs')).toBe(false);
    expect(e.pending('ns/rs')).toEqual({ adds: 0, dels: 1 });
    e.deletionObserved('ns/rs', 'ns/other');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.deletionObserved('ns/rs', 'ns/b');
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('expires after the TTL so a lost event cannot wedge the controller', async () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations({ clock });
    e.expectCreations('ns/rs', 1);
    await clock.advance(EXPECTATIONS_TTL_MS);
    expect(e.satisfied('ns/rs')).toBe(false);
    await clock.advance(1);
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('delete forgets the record', () => {
    const e = new ControllerExpectations();
    e.expectCreations('ns/rs', 3);
    e.delete('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
    expect(e.pending('ns/rs')).toBeUndefined();
  });
});
