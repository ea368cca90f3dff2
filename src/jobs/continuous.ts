import type PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { Queue } from "./queue.js";

/**
 * Node fires a timer set past 2^31 - 1 ms (about 24.8 days) after 1 ms, so a job due further
 * away would have the worker fetch in a loop: it wakes at this distance and looks again instead.
 */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export interface ContinuousWorker {
  /** Looks for work now: something may have come due. */
  wake(): void;
  /** Takes no more jobs, and waits for those it holds. */
  stop(): Promise<void>;
}

/**
 * Works a queue without waiting for batches: pg-boss's `work` fetches a batch and fetches again
 * only once its slowest job is done, so one slow platform call held up every slot freed meanwhile.
 * Here up to `capacity` jobs run at once, and freed slots are filled as soon as `refillAt` of
 * them are free (at once when none runs), in one fetch; finished jobs are marked complete together
 * just before it. A job due later wakes the worker at its time: by the announcement sent with it
 * (Queue.announce), or, for jobs sent before the worker listened, by asking the queue for its next
 * start whenever the worker runs dry. Polling every `safetyPollMs` only catches what both missed.
 */
export async function workContinuously<Data extends object>(
  queue: Queue,
  name: string,
  options: { capacity: number; refillAt: number; safetyPollMs: number; logger: Logger },
  handle: (job: PgBoss.Job<Data>) => Promise<void>,
): Promise<ContinuousWorker> {
  const { boss } = queue;
  const { capacity, refillAt, logger } = options;
  const running = new Set<Promise<void>>();
  const completed: string[] = [];
  const failed: string[] = [];
  let stopping = false;
  let pumping: Promise<void> | undefined;
  let again = false;
  /** The last fetch found fewer jobs than it asked for: a finished job is no reason to ask again. */
  let dry = false;
  /** The database's time minus this process's, as last measured: timers run on the latter. */
  let databaseOffsetMs = 0;
  let due: { startsAtMs: number; timer: NodeJS.Timeout } | undefined;

  const report = async (ids: string[], mark: (ids: string[]) => Promise<unknown>) => {
    if (ids.length === 0) return;
    const batch = ids.splice(0);
    await mark(batch).catch((error: unknown) => {
      ids.push(...batch);
      throw error;
    });
  };

  const wakeAt = (startsAtMs: number) => {
    if (stopping || (due && due.startsAtMs <= startsAtMs)) return;
    clearTimeout(due?.timer);
    // pg-boss starts a job once its start is strictly past, to the millisecond.
    const waitMs = Math.min(Math.max(0, startsAtMs - (Date.now() + databaseOffsetMs)) + 1, LONGEST_TIMER_MS);
    due = {
      startsAtMs,
      timer: setTimeout(() => {
        due = undefined;
        wake();
      }, waitMs),
    };
  };

  /** Nothing to do now: a timer for the next job that will be. One already due that no fetch took is left to polling. */
  const planNext = async () => {
    const { nowMs, startsAtMs } = await queue.nextStart(name);
    databaseOffsetMs = nowMs - Date.now();
    if (startsAtMs !== undefined && startsAtMs > nowMs) wakeAt(startsAtMs);
  };

  const start = (job: PgBoss.Job<Data>) => {
    const run: Promise<void> = handle(job)
      .then(
        () => void completed.push(job.id),
        (error: unknown) => {
          logger.error({ err: error, queue: name, jobId: job.id }, "job failed");
          failed.push(job.id);
        },
      )
      .finally(() => {
        running.delete(run);
        if (!dry || running.size === 0) refill();
      });
    running.add(run);
  };

  const pump = async () => {
    do {
      again = false;
      const free = capacity - running.size;
      if (stopping || free < (running.size === 0 ? 1 : refillAt)) continue;
      await report(completed, (ids) => boss.complete(name, ids));
      await report(failed, (ids) => boss.fail(name, ids));
      const jobs = await boss.fetch<Data>(name, { batchSize: free });
      dry = jobs.length < free;
      for (const job of jobs) start(job);
      if (jobs.length === 0 && running.size === 0) await planNext();
    } while (again);
  };

  /** Something may have come due: fetch even if the queue looked dry. */
  function wake() {
    dry = false;
    refill();
  }

  function refill() {
    if (pumping) {
      again = true;
      return;
    }
    pumping = pump()
      .catch((error: unknown) => logger.warn({ err: error, queue: name }, "fetching jobs failed; trying again shortly"))
      .finally(() => {
        pumping = undefined;
      });
  }

  const poll = setInterval(wake, options.safetyPollMs);
  const stopListening = await queue.listen((announcement) => {
    if (!announcement) return wake();
    if (announcement.queue !== name) return;
    if (announcement.startsAtMs <= Date.now() + databaseOffsetMs) wake();
    else wakeAt(announcement.startsAtMs);
  });
  wake();

  return {
    wake,
    async stop() {
      stopping = true;
      clearInterval(poll);
      clearTimeout(due?.timer);
      await stopListening();
      await pumping;
      await Promise.all(running);
      await report(completed, (ids) => boss.complete(name, ids));
      await report(failed, (ids) => boss.fail(name, ids));
    },
  };
}
