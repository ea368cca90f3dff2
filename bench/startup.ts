/**
 * How long `npm start`'s server takes to answer, cold (empty data folder: migrations, pg-boss
 * schema, a new key) and warm (the same folder again), and its resident memory once idle; then
 * `npm start` itself restarted with nothing changed (its build step finding everything built),
 * and a first start as from a fresh clone (the whole build, then a cold start). With
 * `--install`, also `npm install` from the warm cache into an empty folder: its time and any
 * engine warnings. Prints one line per figure, beside its limit, and the load average.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { readLiveServer } from "../src/data-directory.js";
import { projectPath } from "../src/paths.js";
import { residentMegabytes } from "./process-stats.js";

const IDLE_SECONDS = Number(process.argv.find((argument) => /^\d+$/.test(argument)) ?? 15);
const LIMITS = { restartMs: 3_000, firstStartMs: 30_000, idleMegabytes: 200, installMs: 30_000 };

const builtServer = [process.execPath, projectPath("dist/server/start.js")] as const;
const npmStart = ["npm", "start", "--silent"] as const;

async function startOnce(dataDir: string, measureIdle: boolean, [command, ...args]: readonly string[] = builtServer) {
  const startedAt = performance.now();
  const child = spawn(command!, args, {
    env: { ...process.env, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: projectPath("."),
    // npm runs the server in a child of its own: the whole group is stopped.
    detached: true,
  });
  const url = await new Promise<URL>((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) resolve(new URL(match[1]!));
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  const listeningMs = performance.now() - startedAt;
  while ((await fetch(new URL("/api/health", url))).status !== 200) await new Promise((r) => setTimeout(r, 50));
  const healthyMs = performance.now() - startedAt;
  let idleMegabytes: number | undefined;
  if (measureIdle) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    // The server's own process (under npm start, a child of npm's), as it records itself in the data folder.
    const server = await readLiveServer(dataDir);
    if (!server) throw new Error(`no live server recorded in ${dataDir}`);
    idleMegabytes = await residentMegabytes(server.pid);
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid!, "SIGTERM");
  await exited;
  return { listeningMs, healthyMs, idleMegabytes };
}

/** `npm install` into an empty folder from the warm cache: how long, and the engine warnings it prints. */
function timedInstall(folder: string) {
  const startedAt = performance.now();
  const answer = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: folder,
    encoding: "utf8",
  });
  if (answer.status !== 0) throw new Error(`npm install failed: ${answer.stderr}`);
  const output = answer.stdout + answer.stderr;
  return { installMs: performance.now() - startedAt, engineWarnings: output.split("EBADENGINE").length - 1 };
}

const within = (value: number, limit: number) => (value <= limit ? "within" : "OVER");
const dataDir = await mkdtemp(path.join(tmpdir(), "marketsage-bench-"));
const firstDataDir = await mkdtemp(path.join(tmpdir(), "marketsage-bench-first-"));
try {
  const cold = await startOnce(dataDir, false);
  const warm = await startOnce(dataDir, false);
  // npm start's own Node flags (package.json) decide its memory: measured through it.
  const restart = await startOnce(dataDir, true, npmStart);
  const buildStartedAt = performance.now();
  execFileSync(process.execPath, [projectPath("scripts/build.mjs"), "--force"], { stdio: "inherit" });
  const buildMs = performance.now() - buildStartedAt;
  const first = await startOnce(firstDataDir, false);
  console.log(`load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
  console.log(
    `cold start (empty data folder): listening ${cold.listeningMs.toFixed(0)} ms, healthy ${cold.healthyMs.toFixed(0)} ms`,
  );
  console.log(
    `warm start (existing data):     listening ${warm.listeningMs.toFixed(0)} ms, healthy ${warm.healthyMs.toFixed(0)} ms`,
  );
  console.log(
    `npm start again, nothing changed: healthy ${restart.healthyMs.toFixed(0)} ms (limit ${LIMITS.restartMs} ms: ${within(restart.healthyMs, LIMITS.restartMs)})`,
  );
  const firstMs = buildMs + first.healthyMs;
  console.log(
    `first start (whole build ${buildMs.toFixed(0)} ms, then healthy in ${first.healthyMs.toFixed(0)} ms): ${firstMs.toFixed(0)} ms (limit ${LIMITS.firstStartMs} ms: ${within(firstMs, LIMITS.firstStartMs)})`,
  );
  console.log(
    `npm start's idle RSS after ${IDLE_SECONDS} s (API + worker + PGlite + sandbox twin, one process): ${restart.idleMegabytes!.toFixed(0)} MiB (limit ${LIMITS.idleMegabytes} MB: ${within(restart.idleMegabytes! * 1.048576, LIMITS.idleMegabytes)})`,
  );
  if (process.argv.includes("--install")) {
    const folder = await mkdtemp(path.join(tmpdir(), "marketsage-install-"));
    try {
      for (const file of ["package.json", "package-lock.json"])
        await copyFile(projectPath(file), path.join(folder, file));
      const { installMs, engineWarnings } = timedInstall(folder);
      console.log(
        `npm install from the warm cache: ${installMs.toFixed(0)} ms (limit ${LIMITS.installMs} ms: ${within(installMs, LIMITS.installMs)}), ${engineWarnings} engine warnings (limit 0)`,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
  await rm(firstDataDir, { recursive: true, force: true });
}
