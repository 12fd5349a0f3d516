import { engineError } from '../errors.js';
import { type Duration, parseDuration } from '../flow/duration.js';
import type { Clock } from '../ports/clock.js';

export interface FakeClock extends Clock {
  /** Moves time forward by a duration (`"10m"`, or milliseconds). */
  advance(duration: Duration): number;
  /** Sets the time. */
  set(time: number): void;
}

/**
 * A clock that moves only when told to.
 *
 * @example
 * const clock = createFakeClock(Date.UTC(2026, 0, 1));
 * clock.advance('10m');
 */
export function createFakeClock(start = Date.UTC(2026, 0, 1, 12)): FakeClock {
  let time = start;
  return {
    now: () => time,
    advance(duration) {
      const ms = parseDuration(duration);
      if (ms === null) throw engineError('DURATION_INVALID', `"${duration}" is not a duration`);
      time += ms;
      return time;
    },
    set(next) {
      time = next;
    },
  };
}
