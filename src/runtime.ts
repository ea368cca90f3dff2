import { systemClock, type Clock } from "./clock.js";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { closeAll, openDatabase, untilReachable, type DatabaseHandle } from "./db/client.js";
import { buildApp, type BuiltApp } from "./http/app.js";
import { redirectUri } from "./connections/access.js";
import type { SandboxTwin } from "./connections/twin.js";
import { postgresLock, processLock } from "./connections/lock.js";
import type { AppContext } from "./context.js";
import { startQueue, type Queue } from "./jobs/queue.js";
import { startWorker, type Worker } from "./jobs/worker.js";
import { keySource, MasterKeyRing } from "./vault/keyring.js";
import { Vault } from "./vault/vault.js";
import { logPlatformCalls, PlatformCallObservers } from "./monitoring/platform-calls.js";
import { startCallLog, type CallLog } from "./monitoring/call-log.js";
import { collectFromDatabase } from "./monitoring/metrics/collectors.js";
import { startMetricsListener } from "./monitoring/metrics/exposure.js";
import { createMetrics, observePlatformCalls } from "./monitoring/metrics/instruments.js";
import { watchWorkers } from "./monitoring/alerts/checks.js";
import { startAlertMail } from "./monitoring/alerts/mail.js";

export type ProcessRole = "all" | "api" | "worker";

export interface Runtime {
  database: DatabaseHandle;
  queue: Queue;
  context: AppContext;
  http?: BuiltApp & { url: URL; port: number };
  /** The port of METRICS_PORT's listener, when set (the one bound, when it is 0). */
  metricsPort?: number;
  worker?: Worker;
  /** Every platform call this process makes, written in batches for platform API health. */
  callLog: CallLog;
  stop(): Promise<void>;
}

/**
 * Opens the database (migrating it), the job queue and the vault, then starts the HTTP API,
 * the worker, or both. Tests start the product through this exactly as main.ts does. When the
 * database cannot be reached at some step (it is restarting), what was opened is closed again
 * and the whole start is tried again, rather than the process ending.
 */
export async function startRuntime(options: {
  config: Config;
  role: ProcessRole;
  logger: Logger;
  controlToken?: string;
  sandboxTwin?: SandboxTwin;
  clock?: Clock;
}): Promise<Runtime> {
  return untilReachable(options.logger, "starting", () => startOnce(options));
}

async function startOnce(options: Parameters<typeof startRuntime>[0]): Promise<Runtime> {
  const { config, role, logger } = options;
  const opened: (() => Promise<unknown>)[] = [];
  try {
    const database = await openDatabase(config, logger);
    opened.push(() => database.close());
    const queue = await startQueue(database, config, logger);
    opened.push(() => queue.stop());
    const keyRing = await MasterKeyRing.open(keySource(config, (message) => logger.warn(message)).load);
    const locks = database.kind === "postgres" ? postgresLock({ url: database.url, logger }) : processLock();
    opened.push(() => locks.close());

    let listening: URL | undefined;
    const platformCalls = new PlatformCallObservers();
    logPlatformCalls(platformCalls, logger);
    const metrics = createMetrics();
    observePlatformCalls(metrics, platformCalls);
    collectFromDatabase(metrics, { db: database.db, queue, staleAfterMs: config.worker.staleAfterMs, logger });
    const context: AppContext = {
      config,
      clock: options.clock ?? systemClock,
      db: database.db,
      vault: new Vault(database.db, keyRing),
      keyRing,
      queue,
      locks,
      platformCalls,
      metrics,
      sandboxTwin: config.sandboxTwin ? options.sandboxTwin : undefined,
      publicUrl: () => {
        const url = config.http.publicUrl ?? listening;
        if (!url) throw new Error("the public URL is known only once the server listens");
        return url;
      },
    };

    const callLog = startCallLog(context, logger);
    opened.push(() => callLog.stop());

    const metricsListener = config.metrics.listener
      ? await startMetricsListener({ metrics, logger, ...config.metrics.listener })
      : undefined;
    if (metricsListener) opened.push(() => metricsListener.server.close());

    let http: Runtime["http"];
    if (role !== "worker") {
      const built = await buildApp(context, { logger, controlToken: options.controlToken });
      await built.app.listen({ host: config.http.host, port: config.http.port });
      opened.push(() => built.app.close());
      const address = built.app.server.address();
      const port = typeof address === "object" && address ? address.port : config.http.port;
      listening = new URL(`http://localhost:${port}`);
      http = { ...built, url: config.http.publicUrl ?? listening, port };
      context.sandboxTwin?.registerRedirects((platform) => redirectUri(context, platform));
    }
    const worker = role !== "api" ? await startWorker({ context, database, logger }) : undefined;
    if (worker) opened.push(() => worker.stop());
    const stopAlertMail = await startAlertMail(context, logger);
    const stopWatchingWorkers = role !== "worker" ? watchWorkers(context, logger) : async () => undefined;

    return {
      database,
      queue,
      context,
      http,
      worker,
      metricsPort: metricsListener?.port,
      callLog,
      async stop() {
        await http?.app.close();
        await stopWatchingWorkers();
        await stopAlertMail();
        await worker?.stop();
        await callLog.stop();
        await metricsListener?.server.close();
        await queue.stop();
        await locks.close();
        await database.close();
      },
    };
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
}
