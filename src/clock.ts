/**
 * Where the app and the sandbox read the time. Production reads the system's; tests move an
 * adjustable clock forward instead of waiting for refresh windows, sweeps, backoff and
 * schedules to come due. Timers and the database keep real time: decisions that depend on
 * "how late is it" read this clock, and only they jump.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface AdjustableClock extends Clock {
  /** Moves the time forward; it never goes back. */
  advance(milliseconds: number): void;
  /** How far ahead of the system's time this clock runs. */
  offset(): number;
}

/** The system's time plus an offset that only grows. */
export function adjustableClock(): AdjustableClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(milliseconds) {
      if (!Number.isFinite(milliseconds) || milliseconds < 0)
        throw new RangeError("a clock advances by a finite, non-negative number of milliseconds");
      offset += milliseconds;
    },
    offset: () => offset,
  };
}
