import { spawn } from "node:child_process";
import { projectPath } from "../../src/paths.js";
import { startServerProcess, type ServerProcess } from "../support/process.js";

/** The platform emulator in its own process, as `npm run sandbox` runs it. */
export interface SandboxProcess {
  url: URL;
  /** The base URL standing in for a platform: meta, x, linkedin, google, telegram. */
  base(prefix: string): string;
  /** Calls the sandbox's control surface (/_sandbox/…) and answers the parsed body. */
  control<Body = any>(path: string, body?: unknown, method?: string): Promise<Body>;
  output(): string;
  stop(): Promise<void>;
}

export async function startSandboxProcess(args: string[]): Promise<SandboxProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", projectPath("sandbox/main.ts"), ...args], {
    cwd: projectPath(),
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<URL>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(new URL(match[1]!));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => reject(new Error(`the sandbox exited before listening:\n${output}`)));
  });
  return {
    url,
    base: (prefix) => new URL(`/${prefix}`, url).toString(),
    async control(path, body, method = body === undefined ? "GET" : "POST") {
      const answer = await fetch(new URL(`/_sandbox${path}`, url), {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
      const text = await answer.text();
      if (!answer.ok) throw new Error(`sandbox ${method} ${path}: ${answer.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export type ProcessName = "api" | "worker-1" | "worker-2";

export interface ProcessIncident {
  name: ProcessName;
  at: number;
  exitCode: number | null;
  signal: string | null;
  /** It never finished starting (main.ts says "could not start"), as when the database is down at boot. */
  duringStart: boolean;
  /** The end of what the process printed before it went. */
  outputTail: string;
}

/**
 * The product's processes under a supervisor: the harness kills and restarts them on purpose;
 * any other exit is an incident (recorded with the process's last words) and the process is
 * started again, as a service manager would.
 */
export class Fleet {
  readonly incidents: ProcessIncident[] = [];
  private readonly running = new Map<ProcessName, ServerProcess>();
  /** Every process ever started, so none can outlive a kill or the run, whatever raced. */
  private readonly everStarted: { name: ProcessName; process: ServerProcess }[] = [];
  private readonly expectedDown = new Set<ProcessName>();
  private stopping = false;

  constructor(
    private readonly env: Record<string, string>,
    private readonly onIncident: (incident: ProcessIncident) => void = () => undefined,
  ) {}

  start(name: ProcessName): ServerProcess {
    const process = startServerProcess(["--role", name === "api" ? "api" : "worker"], this.env);
    this.running.set(name, process);
    this.everStarted.push({ name, process });
    this.expectedDown.delete(name);
    void process.exited.then((exitCode) => {
      if (this.stopping || this.expectedDown.has(name) || this.running.get(name) !== process) return;
      const incident: ProcessIncident = {
        name,
        at: Date.now(),
        exitCode,
        signal: process.child.signalCode,
        duringStart: process.output().includes("could not start"),
        outputTail: process.output().slice(-4000),
      };
      this.incidents.push(incident);
      this.onIncident(incident);
      setTimeout(() => {
        // Not when the harness has meanwhile taken it down on purpose, or started it again itself.
        if (!this.stopping && !this.expectedDown.has(name) && this.running.get(name) === process) this.start(name);
      }, 1_000);
    });
    return process;
  }

  /** Answers the API's URL once it listens. */
  async startApi(): Promise<URL> {
    return this.start("api").url;
  }

  /** Kills every process of that name still alive: the current one, and any a race left behind. */
  async kill(name: ProcessName): Promise<void> {
    this.expectedDown.add(name);
    await Promise.all(
      this.everStarted.filter((started) => started.name === name).map(({ process }) => process.stop("SIGKILL")),
    );
  }

  /** Everything the processes printed, newest last, for a failure report. */
  outputs(): string {
    return [...this.running].map(([name, process]) => `--- ${name}\n${process.output().slice(-6000)}`).join("\n");
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.everStarted.map(({ process }) => process.stop("SIGKILL")));
  }
}
