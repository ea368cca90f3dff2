/**
 * How long `npm start`'s server takes to answer, cold (empty data folder: migrations, pg-boss
 * schema, a new key) and warm (the same folder again), and its resident memory once idle; then
 * `npm start` itself restarted with nothing changed (its build step finding everything built).
 * Prints one line per figure, beside its limit.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { projectPath } from "../src/paths.js";

const IDLE_SECONDS = Number(process.argv[2] ?? 15);

async function residentMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kilobytes / 1024;
}

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
    idleMegabytes = await residentMegabytes(child.pid!);
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid!, "SIGTERM");
  await exited;
  return { listeningMs, healthyMs, idleMegabytes };
}

const dataDir = await mkdtemp(path.join(tmpdir(), "marketsage-bench-"));
try {
  const cold = await startOnce(dataDir, false);
  const warm = await startOnce(dataDir, true);
  const restart = await startOnce(dataDir, false, npmStart);
  console.log(
    `cold start (empty data folder): listening ${cold.listeningMs.toFixed(0)} ms, healthy ${cold.healthyMs.toFixed(0)} ms`,
  );
  console.log(
    `warm start (existing data):     listening ${warm.listeningMs.toFixed(0)} ms, healthy ${warm.healthyMs.toFixed(0)} ms`,
  );
  console.log(`npm start again, nothing changed: healthy ${restart.healthyMs.toFixed(0)} ms (limit 3000 ms)`);
  console.log(
    `idle RSS after ${IDLE_SECONDS} s (API + worker + PGlite, one process): ${warm.idleMegabytes!.toFixed(0)} MiB`,
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
