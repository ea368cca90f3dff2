import { desc } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { workerHeartbeats } from "../db/schema.js";
import { systemClock } from "../clock.js";
import type { AppContext } from "../context.js";
import { liveWorkerIds } from "../jobs/presence.js";

const check = z.object({ ok: z.boolean(), detail: z.string() });
const healthView = z.object({
  status: z.enum(["ok", "unavailable"]),
  database: check,
  queue: check,
  worker: check.extend({ lastSeenAt: z.date().nullable(), live: z.number() }),
});

/** How long the queue's counts are reused: they count every job, and health is polled often. */
const QUEUE_COUNTS_FRESH_MS = 1_000;

/** The last answer of `load`, reused for `freshMs` of real time (a moved app clock is no reason to ask again). */
function reusedFor<T>(freshMs: number, load: () => Promise<T>): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!last || now - last.at >= freshMs) last = { at: now, answer: load() };
    return last.answer;
  };
}

export const healthRoutes: FastifyPluginAsyncZod<AppContext> = async (app, { db, queue, config }) => {
  const queueCheck = reusedFor(QUEUE_COUNTS_FRESH_MS, () =>
    queue
      .counts()
      .then((counts) => ({
        ok: true,
        detail: `${counts.created ?? 0} waiting, ${counts.retry ?? 0} to retry, ${counts.active ?? 0} running, ${counts.failed ?? 0} failed`,
      }))
      .catch((error: Error) => ({ ok: false, detail: `job queue unreadable: ${error.message}` })),
  );

  app.get(
    "/api/health",
    {
      config: { access: "public" },
      schema: {
        tags: ["health"],
        summary: "Database, job queue and worker heartbeat; 503 when posts would not go out",
        response: { 200: healthView, 503: healthView },
      },
    },
    async (_request, reply) => {
      // Heartbeats are stamped in real time (jobs/worker.ts), so their age is too: a clock a test
      // moved forward must not make a beating worker look dead.
      const seenSince = new Date(systemClock.now() - config.worker.staleAfterMs);
      const startedAt = performance.now();
      // The latest beat's query is the database's check too: it answering is the database answering.
      const latestBeat = await db
        .select({ seenAt: workerHeartbeats.seenAt })
        .from(workerHeartbeats)
        .orderBy(desc(workerHeartbeats.seenAt))
        .limit(1)
        .then((beats) => ({ beats, error: undefined }))
        .catch((error: Error) => ({ beats: [], error }));
      const database = latestBeat.error
        ? { ok: false, detail: `database unreachable: ${latestBeat.error.message}` }
        : { ok: true, detail: `${config.database.kind} answered in ${Math.round(performance.now() - startedAt)} ms` };
      const [queueState, live] = await Promise.all([
        queueCheck(),
        liveWorkerIds(db, { seenSince })
          .then((ids) => ids.length)
          .catch(() => 0),
      ]);
      const beats = latestBeat.beats;
      const lastSeenAt = beats[0]?.seenAt ?? null;
      const worker = {
        ok: live > 0,
        detail:
          live > 0
            ? `${live} worker${live === 1 ? "" : "s"} seen in the last ${Math.round(config.worker.staleAfterMs / 1000)} s`
            : lastSeenAt
              ? `no worker seen since ${lastSeenAt.toISOString()}: scheduled posts will not go out`
              : "no worker has ever started: scheduled posts will not go out",
        lastSeenAt,
        live,
      };

      const ok = database.ok && queueState.ok && worker.ok;
      return reply
        .status(ok ? 200 : 503)
        .send({ status: ok ? "ok" : "unavailable", database, queue: queueState, worker });
    },
  );
};
