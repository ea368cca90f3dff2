import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../support/ports.js";

const run = promisify(execFile);

/** Where Debian's packages put the server binaries (.ci/postgres installs them); CHAOS_POSTGRES_BIN overrides. */
function binaryDirectory(): string | undefined {
  const override = process.env.CHAOS_POSTGRES_BIN;
  if (override) return override;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((entry) => /^\d+$/.test(entry))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => path.join(root, version, "bin")).find((bin) => existsSync(path.join(bin, "initdb")));
}

/** The account the server runs as: PostgreSQL refuses to run as root, so root hands it to `postgres`. */
function serverAccount(): { uid: number; gid: number } | "self" | undefined {
  if (process.getuid?.() !== 0) return "self";
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Why this machine cannot run a private cluster, or false when it can. */
export function clusterSkipReason(): string | false {
  const bin = binaryDirectory();
  if (!bin || !["initdb", "pg_ctl", "postgres"].every((name) => existsSync(path.join(bin, name))))
    return "no PostgreSQL server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/*/bin: `bash .ci/postgres` installs them, or set CHAOS_POSTGRES_BIN";
  if (!serverAccount()) return "running as root without a `postgres` user to run the server as";
  return false;
}

export interface PostgresCluster {
  /** The product's database on this cluster. */
  databaseUrl: string;
  /** Stops and starts the server; answers how long it was unreachable, in milliseconds. */
  restart(mode: "fast" | "immediate"): Promise<number>;
  /** The server's own log, for a failure report. */
  log(): string;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, in a fresh temporary folder on a free loopback port,
 * with trust authentication for 127.0.0.1 only, so the test can restart it at will.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = binaryDirectory()!;
  const account = serverAccount()!;
  const folder = await mkdtemp(path.join(tmpdir(), "marketsage-chaos-pg-"));
  if (account !== "self") await chown(folder, account.uid, account.gid);
  const dataDir = path.join(folder, "data");
  const logFile = path.join(folder, "server.log");
  const port = await freePort();
  const asServer = (program: string, args: string[]) =>
    account === "self"
      ? run(path.join(bin, program), args)
      : run("runuser", ["-u", "postgres", "--", path.join(bin, program), ...args]);

  await asServer("initdb", [
    "-D",
    dataDir,
    "--auth=trust",
    "--username=postgres",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync",
    "--no-instructions",
  ]);
  // fsync=off loses nothing when only the server process dies (the kernel keeps the writes);
  // synchronous_commit stays on, so an acknowledged commit survives an immediate shutdown.
  const serverOptions = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-k ${folder}`,
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=400",
  ].join(" ");
  await asServer("pg_ctl", ["-D", dataDir, "-l", logFile, "-w", "-t", "60", "-o", serverOptions, "start"]);

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query("create database marketsage");
  await admin.end();

  return {
    databaseUrl: `postgres://postgres@127.0.0.1:${port}/marketsage`,
    async restart(mode) {
      const startedAt = Date.now();
      await asServer("pg_ctl", ["-D", dataDir, "-l", logFile, "-m", mode, "-w", "-t", "60", "restart"]);
      return Date.now() - startedAt;
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    async destroy() {
      await asServer("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
      await rm(folder, { recursive: true, force: true });
    },
  };
}
