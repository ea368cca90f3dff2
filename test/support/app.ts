import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { Clock } from "../../src/clock.js";
import { parseConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import type { SandboxTwin } from "../../src/connections/access.js";
import { startRuntime, type ProcessRole, type Runtime } from "../../src/runtime.js";
import { HttpClient } from "./client.js";
import { backends, type Backend } from "./postgres.js";

export interface TestApp {
  url: URL;
  runtime: Runtime;
  dataDir: string;
  /** Every log line the app wrote, when started with captureLogs. */
  logs: string[];
  client(): HttpClient;
  stop(): Promise<void>;
}

/** Environment every test app shares; tests override what they exercise. */
export const testEnvironment: Record<string, string> = {
  NODE_ENV: "test",
  HOST: "127.0.0.1",
  PORT: "0",
  LOG_LEVEL: "silent",
  WORKER_HEARTBEAT_INTERVAL_MS: "1000",
  QUEUE_POLLING_INTERVAL_SECONDS: "0.5",
};

export const testControlToken = "test-control-token-0123456789abcdef";

export async function startTestApp(
  options: {
    env?: Record<string, string>;
    role?: ProcessRole;
    captureLogs?: boolean;
    backend?: Backend;
    sandboxTwin?: SandboxTwin;
    clock?: Clock;
  } = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "marketsage-test-"));
  const database = await (options.backend ?? backends[0]!).prepare();
  const config = parseConfig({
    ...testEnvironment,
    DATA_DIR: dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...(options.captureLogs ? { LOG_LEVEL: "info" } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const capture = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger(config.logLevel, options.captureLogs ? capture : undefined);
  const runtime = await startRuntime({
    config,
    role: options.role ?? "all",
    logger,
    controlToken: testControlToken,
    sandboxTwin: options.sandboxTwin,
    clock: options.clock,
  });
  const url = runtime.http?.url ?? new URL("http://127.0.0.1:0");
  return {
    url,
    runtime,
    dataDir,
    logs,
    client: () => new HttpClient(url),
    async stop() {
      const refused = runtime.context.sandboxTwin && runtime.http ? await twinContractViolations(url) : [];
      await runtime.stop();
      await database.cleanUp();
      await rm(dataDir, { recursive: true, force: true });
      if (refused.length > 0)
        throw new Error(
          `the product sent requests the platform does not allow:\n${refused.map((entry) => `${entry.method} ${entry.path}: ${entry.violation}`).join("\n")}`,
        );
    },
  };
}

/** What the development twin's contract check refused: held to the platforms' rules like a standalone sandbox. */
async function twinContractViolations(url: URL): Promise<{ method: string; path: string; violation: string }[]> {
  const answer = await fetch(new URL("/sandbox/_sandbox/contract", url), {
    headers: { authorization: `Bearer ${testControlToken}` },
  });
  if (!answer.ok) throw new Error(`the twin's contract check answered ${answer.status}`);
  return ((await answer.json()) as { violations: { method: string; path: string; violation: string }[] }).violations;
}
