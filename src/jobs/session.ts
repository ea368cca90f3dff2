import pg from "pg";
import type { Logger } from "pino";

const RECONNECT_DELAYS_MS = [250, 500, 1_000, 2_000, 5_000];

export interface HeldSession {
  stop(): Promise<void>;
}

/**
 * A PostgreSQL session of its own that the process keeps for as long as it runs, for what lives
 * in a session and not in a pooled connection (an advisory lock, LISTEN). When the server ends it
 * (a restart), `onLost` is told at once and a new session is opened, with a growing pause between
 * tries, and `onOpen` runs again on it. The first open is awaited and its failure thrown.
 */
export async function holdSession(options: {
  url: string;
  logger: Logger;
  /** What the session is for, in the log lines about it. */
  purpose: string;
  onOpen(client: pg.Client): Promise<void>;
  onLost?(): void;
}): Promise<HeldSession> {
  const { logger, purpose } = options;
  let client: pg.Client | undefined;
  let stopped = false;
  let retrying = false;
  let failures = 0;
  const open = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.url });
    next.on("error", (error) => {
      logger.warn({ err: error }, `${purpose}: connection lost; opening it again`);
      options.onLost?.();
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!stopped) void retry();
    });
    await next.connect();
    try {
      await options.onOpen(next);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    client = next;
    failures = 0;
  };
  const retry = async (): Promise<void> => {
    if (retrying) return;
    retrying = true;
    while (!stopped && !client) {
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAYS_MS[Math.min(failures, 4)]));
      failures += 1;
      await open().catch((error: unknown) => logger.warn({ err: error }, `${purpose}: not open yet`));
    }
    retrying = false;
  };
  await open();
  return {
    async stop() {
      stopped = true;
      await client?.end().catch(() => undefined);
    },
  };
}
