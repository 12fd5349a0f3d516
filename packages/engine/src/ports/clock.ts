/** Where the engine reads time. Inject a fake one in tests; the engine never calls Date.now(). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
