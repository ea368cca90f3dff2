import { desc, sql } from "drizzle-orm";
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

export const healthRoutes: FastifyPluginAsyncZod<AppContext> = async (app, { db, queue, config }) => {
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
      const startedAt = performance.now();
      const database = await db
        .execute(sql`select 1`)
        .then(() => ({
          ok: true,
          detail: `${config.database.kind} answered in ${Math.round(performance.now() - startedAt)} ms`,
        }))
        .catch((error: Error) => ({ ok: false, detail: `database unreachable: ${error.message}` }));

      const queueCheck = await queue
        .counts()
        .then((counts) => ({
          ok: true,
          detail: `${counts.created ?? 0} waiting, ${counts.retry ?? 0} to retry, ${counts.active ?? 0} running, ${counts.failed ?? 0} failed`,
        }))
        .catch((error: Error) => ({ ok: false, detail: `job queue unreadable: ${error.message}` }));

      // Heartbeats are stamped in real time (jobs/worker.ts), so their age is too: a clock a test
      // moved forward must not make a beating worker look dead.
      const seenSince = new Date(systemClock.now() - config.worker.staleAfterMs);
      const [beats, live] = await Promise.all([
        db
          .select({ seenAt: workerHeartbeats.seenAt })
          .from(workerHeartbeats)
          .orderBy(desc(workerHeartbeats.seenAt))
          .limit(1)
          .catch(() => []),
        liveWorkerIds(db, { seenSince })
          .then((ids) => ids.length)
          .catch(() => 0),
      ]);
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

      const ok = database.ok && queueCheck.ok && worker.ok;
      return reply
        .status(ok ? 200 : 503)
        .send({ status: ok ? "ok" : "unavailable", database, queue: queueCheck, worker });
    },
  );
};
