/**
 * Where the app and the sandbox read the time. Production reads the system's; tests move an
 * adjustable clock forward instead of waiting for refresh windows, sweeps, backoff and
 * schedules to come due. Timers and the database keep real time: decisions that depend on
 * "how late is it" read this clock, and only they jump.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls the listener each time the clock jumps forward, so work it made due runs at once
   * rather than when a real timer next fires; answers how to stop listening. The system's time
   * never jumps, so its clock has no such method.
   */
  onAdvance?(listener: () => void): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface AdjustableClock extends Clock {
  /** Moves the time forward; it never goes back. */
  advance(milliseconds: number): void;
  /** How far ahead of the system's time this clock runs. */
  offset(): number;
  onAdvance(listener: () => void): () => void;
}

/** The system's time plus an offset that only grows. */
export function adjustableClock(): AdjustableClock {
  let offset = 0;
  const listeners = new Set<() => void>();
  return {
    now: () => Date.now() + offset,
    advance(milliseconds) {
      if (!Number.isFinite(milliseconds) || milliseconds < 0)
        throw new RangeError("a clock advances by a finite, non-negative number of milliseconds");
      offset += milliseconds;
      for (const listener of [...listeners]) listener();
    },
    offset: () => offset,
    onAdvance(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * How long a real timer (or pg-boss's start_after, which the database's time decides) must wait
 * for a time by this clock: none once the clock has passed it.
 */
export function delayUntil(clock: Clock, at: Date | number): number {
  return Math.max(0, (typeof at === "number" ? at : at.getTime()) - clock.now());
}
