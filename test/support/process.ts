import { spawn, type ChildProcess } from "node:child_process";
import { projectPath } from "../../src/paths.js";

export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the URL the process prints once it listens. */
  url: Promise<URL>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs src/main.ts as `npm start` would, in its own process (with Node's own flags, such as a profiler's, first). */
export function startServerProcess(
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[] = [],
): ServerProcess {
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", projectPath("src/main.ts"), ...args], {
    cwd: projectPath(),
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = new Promise<URL>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) resolve(new URL(match[1]!));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
  url.catch(() => undefined);
  return {
    child,
    output: () => output,
    url,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
