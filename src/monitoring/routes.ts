import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { systemClock } from "../clock.js";
import type { AppContext } from "../context.js";
import { workerSigns } from "../jobs/presence.js";

const check = z.object({ ok: z.boolean(), detail: z.string() });
const healthView = z.object({
  status: z.enum(["ok", "unavailable"]),
  database: check,
  queue: check,
  worker: check.extend({ lastSeenAt: z.date().nullable(), live: z.number() }),
});

export const healthRoutes: FastifyPluginAsyncZod<AppContext> = async (app, { db, queue, config }) => {
  const queueCheck = () =>
    queue
      .counts()
      .then((counts) => ({
        ok: true,
        detail: `${counts.created ?? 0} waiting, ${counts.retry ?? 0} to retry, ${counts.active ?? 0} running, ${counts.failed ?? 0} failed`,
      }))
      .catch((error: Error) => ({ ok: false, detail: `job queue unreadable: ${error.message}` }));

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
      // The workers' signs of life are the database's check too: that query answering is the database answering.
      const signs = await workerSigns(db, { seenSince })
        .then((found) => ({ ...found, error: undefined }))
        .catch((error: Error) => ({ lastSeenAt: null, live: 0, error }));
      const database = signs.error
        ? { ok: false, detail: `database unreachable: ${signs.error.message}` }
        : { ok: true, detail: `${config.database.kind} answered in ${Math.round(performance.now() - startedAt)} ms` };
      const queueState = await queueCheck();
      const { lastSeenAt, live } = signs;
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
