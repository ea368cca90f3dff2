import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { SandboxTwin } from "./connections/twin.js";
import { loadConfig } from "./config.js";
import { createLogger, prettyTerminalStream } from "./logger.js";
import { claimDataDirectory } from "./data-directory.js";
import { isDatabaseUnreachable } from "./db/client.js";
import { startRuntime, type ProcessRole } from "./runtime.js";

/** Starts the process's role; npm start's entry adds the development sandbox twin. */
export async function main(options: { sandboxTwin?: SandboxTwin } = {}): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: "string", default: "all" } } });
  const roles: ProcessRole[] = ["all", "api", "worker"];
  const role = values.role as ProcessRole;
  if (!roles.includes(role)) {
    console.error(`--role must be one of ${roles.join(", ")}; got "${values.role}"`);
    process.exit(2);
  }

  const config = loadConfig();
  const logger = createLogger(
    config.logLevel,
    config.env === "development" && process.stdout.isTTY ? prettyTerminalStream() : undefined,
  );

  if (config.database.kind === "pglite" && role !== "all") {
    logger.fatal("--role api and --role worker need DATABASE_URL: the embedded database belongs to one process");
    process.exit(2);
  }

  async function start() {
    const claim = config.database.kind === "pglite" ? await claimDataDirectory(config.dataDir) : undefined;
    // A start waiting on a database that went away may have nothing else scheduled; Node would
    // then end the process (exit 13) instead of letting the start try again.
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      const runtime = await startRuntime({
        config,
        role,
        logger,
        controlToken: claim?.controlToken,
        sandboxTwin: options.sandboxTwin,
      });
      return { claim, runtime };
    } finally {
      clearInterval(keepAlive);
    }
  }

  // pg-boss 10 marks a worked job complete (or failed) without awaiting it (manager.js, `onFetch`),
  // so a database restart at that moment rejects with no one listening. The job is then simply
  // not marked yet (it expires and the target's own state already says what happened); any other
  // unhandled rejection is a bug and still ends the process.
  process.on("unhandledRejection", (reason) => {
    if (isDatabaseUnreachable(reason)) {
      logger.warn({ err: reason }, "the database went away under a background query; carrying on");
      return;
    }
    logger.fatal({ err: reason }, "unhandled rejection");
    process.exit(1);
  });

  const { claim, runtime } = await start().catch((error: Error) => {
    logger.fatal({ err: error }, "could not start");
    console.error(`MarketSage Social could not start: ${error.message}`);
    process.exit(1);
  });
  if (runtime.http) {
    await claim?.publish({ port: runtime.http.port });
    logger.info(`MarketSage Social (${role}) is running at ${runtime.http.url.toString()}`);
    console.log(`\n  MarketSage Social is running at ${runtime.http.url.toString()}\n`);
  } else {
    logger.info("MarketSage Social worker is running");
  }

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await runtime.stop();
      await claim?.release();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, "unclean shutdown");
      process.exit(1);
    }
  }
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) await main();
