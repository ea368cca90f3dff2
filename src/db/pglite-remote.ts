/**
 * The embedded database as the server's thread sees it: the part of PGlite's interface the app
 * uses (Drizzle's driver, pg-boss's executor, LISTEN, the presence lock), each call sent to the
 * database's own thread (`pglite-thread.ts`) and answered from there. Statements still run one at
 * a time, but while they run the server's thread goes on answering requests that need none.
 */
import type { Worker } from "node:worker_threads";
import type { QueryOptions, Results } from "@electric-sql/pglite";
import { startModuleThread } from "../threads.js";

export type StatementRequest =
  | {
      op: "query";
      text: string;
      params: unknown[];
      rowMode?: "array" | "object";
      /** Type ids whose values come back as text (Drizzle's parsers are all of that kind). */
      textTypes: number[];
      tx?: number;
    }
  | { op: "exec"; text: string; tx?: number };

export type DatabaseRequest = { id: number } & (
  | StatementRequest
  | { op: "begin" }
  | { op: "end"; tx: number; commit: boolean }
  | { op: "listen"; channel: string }
  | { op: "unlisten"; channel: string }
  | { op: "close" }
);

export type SerializedDatabaseError = Record<string, string | number> & { name: string; message: string };

export type DatabaseAnswer =
  | { id: number; result: unknown }
  | { id: number; error: SerializedDatabaseError }
  | { notification: { channel: string; payload: string } }
  | { ready: true };

type Request = DatabaseRequest extends infer Each ? (Each extends DatabaseRequest ? Omit<Each, "id"> : never) : never;

/** What a transaction's callback is given: the statements of PGlite's own transaction object (Drizzle uses no more). */
export interface RemoteTransaction {
  query<Row>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<Row>>;
  exec(text: string): Promise<Results[]>;
}

function rebuiltError(serialized: SerializedDatabaseError): Error {
  return Object.assign(new Error(serialized.message), serialized);
}

function statement(text: string, params: unknown[] = [], options?: QueryOptions): StatementRequest {
  return {
    op: "query",
    text,
    params,
    ...(options?.rowMode ? { rowMode: options.rowMode } : {}),
    textTypes: Object.keys(options?.parsers ?? {}).map(Number),
  };
}

export class PgliteThread {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private failure: Error | undefined;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    onEnded: (error: Error) => void,
  ) {
    worker.on("message", (answer: DatabaseAnswer) => {
      if ("notification" in answer) {
        for (const listener of this.listeners.get(answer.notification.channel) ?? [])
          listener(answer.notification.payload);
        return;
      }
      if (!("id" in answer)) return;
      const waiting = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if ("error" in answer) waiting?.reject(rebuiltError(answer.error));
      else waiting?.resolve(answer.result);
    });
    const failAll = (error: Error) => {
      if (this.failure) return;
      this.failure = error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
      if (!this.closing) onEnded(error);
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`the embedded database's thread ended (exit code ${code})`)));
  }

  /**
   * Opens (and migrates) the database in `directory` on a thread of its own. `onEnded` hears of a
   * thread that ended other than by `close()` (PostgreSQL aborted inside it): every call fails
   * from then on.
   */
  static async open(directory: string, onEnded: (error: Error) => void): Promise<PgliteThread> {
    const worker = startModuleThread(import.meta.url, "pglite-thread", { workerData: { directory } });
    let opened = false;
    let failedToOpen: (error: Error) => void = () => undefined;
    const thread = new PgliteThread(worker, (error) => (opened ? onEnded(error) : failedToOpen(error)));
    await new Promise<void>((resolve, reject) => {
      failedToOpen = reject;
      const onMessage = (answer: DatabaseAnswer) => {
        if (!("ready" in answer)) return;
        worker.off("message", onMessage);
        opened = true;
        resolve();
      };
      worker.on("message", onMessage);
    });
    return thread;
  }

  private call<Result>(request: Request): Promise<Result> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  query<Row>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<Row>> {
    return this.call(statement(text, params, options));
  }

  exec(text: string): Promise<Results[]> {
    return this.call({ op: "exec", text });
  }

  async transaction<T>(work: (tx: RemoteTransaction) => Promise<T>): Promise<T> {
    const tx = await this.call<number>({ op: "begin" });
    const remote: RemoteTransaction = {
      query: (text, params, options) => this.call({ ...statement(text, params, options), tx }),
      exec: (text) => this.call({ op: "exec", text, tx }),
    };
    let result: T;
    try {
      result = await work(remote);
    } catch (error) {
      await this.call({ op: "end", tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.call({ op: "end", tx, commit: true });
    return result;
  }

  /** As PGlite's listen: answers the function that stops listening. */
  async listen(channel: string, listener: (payload: string) => void): Promise<() => Promise<void>> {
    let listeners = this.listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(channel, listeners);
      await this.call({ op: "listen", channel });
    }
    listeners.add(listener);
    return async () => {
      listeners.delete(listener);
      if (listeners.size > 0 || this.listeners.get(channel) !== listeners) return;
      this.listeners.delete(channel);
      await this.call({ op: "unlisten", channel });
    };
  }

  async close(): Promise<void> {
    if (this.failure) return;
    this.closing = true;
    await this.call({ op: "close" });
    await new Promise((resolve) => this.worker.once("exit", resolve));
  }
}
