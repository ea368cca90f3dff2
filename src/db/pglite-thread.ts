/**
 * The embedded database's thread: PGlite runs its WebAssembly PostgreSQL synchronously, so on the
 * server's own thread every statement held every request behind it. Here it runs beside the
 * server, answering the requests `pglite-remote.ts` sends, in the order PGlite itself keeps (a
 * statement outside a transaction waits for the open transaction to end).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { PGlite, QueryOptions, Results, Transaction } from "@electric-sql/pglite";
import { openMigratedPglite } from "./client.js";
import type { DatabaseRequest, DatabaseAnswer, SerializedDatabaseError, StatementRequest } from "./pglite-remote.js";

const port = parentPort!;
const { pglite } = await openMigratedPglite((workerData as { directory: string }).directory);

const reply = (answer: DatabaseAnswer) => port.postMessage(answer);

/** An error's own fields (a database error's code, constraint, detail…), which a thread's message would drop. */
function serializedError(error: unknown): SerializedDatabaseError {
  const thrown = error instanceof Error ? error : new Error(String(error));
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(thrown))
    if (typeof value === "string" || typeof value === "number") fields[key] = value;
  return { ...fields, name: thrown.name, message: thrown.message };
}

/** Types read as their text, as Drizzle asks (it parses dates itself). */
function queryOptions(request: StatementRequest & { op: "query" }): QueryOptions {
  const parsers = Object.fromEntries(request.textTypes.map((oid) => [oid, (value: string) => value]));
  return { ...(request.rowMode ? { rowMode: request.rowMode } : {}), parsers };
}

async function runStatement(client: PGlite | Transaction, request: StatementRequest): Promise<Results | Results[]> {
  if (request.op === "exec") return client.exec(request.text);
  return client.query(request.text, request.params, queryOptions(request));
}

async function answerStatement(client: PGlite | Transaction, request: StatementRequest & { id: number }) {
  try {
    reply({ id: request.id, result: await runStatement(client, request) });
  } catch (error) {
    reply({ id: request.id, error: serializedError(error) });
  }
}

/** Requests for one open transaction, taken in the order they came. */
class Inbox {
  private waiting: ((request: DatabaseRequest) => void) | undefined;
  private queued: DatabaseRequest[] = [];
  put(request: DatabaseRequest) {
    if (this.waiting) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake(request);
    } else this.queued.push(request);
  }
  next(): Promise<DatabaseRequest> {
    const first = this.queued.shift();
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

const transactions = new Map<number, Inbox>();
const unlisteners = new Map<string, () => Promise<void>>();

function begin(request: DatabaseRequest & { op: "begin" }) {
  const inbox = new Inbox();
  let begun = false;
  let endId: number | undefined;
  pglite
    .transaction(async (tx) => {
      transactions.set(request.id, inbox);
      begun = true;
      reply({ id: request.id, result: request.id });
      for (;;) {
        const next = await inbox.next();
        if (next.op === "end") {
          endId = next.id;
          if (!next.commit) await tx.rollback();
          return;
        }
        if (next.op === "query" || next.op === "exec") await answerStatement(tx, next);
      }
    })
    .then(
      () => reply({ id: endId!, result: null }),
      (error: unknown) => reply({ id: begun ? endId! : request.id, error: serializedError(error) }),
    )
    .finally(() => transactions.delete(request.id));
}

async function handle(request: DatabaseRequest): Promise<void> {
  if ((request.op === "query" || request.op === "exec" || request.op === "end") && request.tx !== undefined) {
    transactions.get(request.tx)?.put(request);
    return;
  }
  switch (request.op) {
    case "query":
    case "exec":
      return answerStatement(pglite, request);
    case "begin":
      return begin(request);
    case "listen": {
      const unlisten = await pglite.listen(request.channel, (payload) =>
        reply({ notification: { channel: request.channel, payload } }),
      );
      unlisteners.set(request.channel, unlisten);
      return reply({ id: request.id, result: null });
    }
    case "unlisten":
      await unlisteners.get(request.channel)?.();
      unlisteners.delete(request.channel);
      return reply({ id: request.id, result: null });
    case "close":
      await pglite.close();
      reply({ id: request.id, result: null });
      port.close();
      return;
  }
}

port.on("message", (request: DatabaseRequest) => {
  handle(request).catch((error: unknown) =>
    "id" in request ? reply({ id: request.id, error: serializedError(error) }) : undefined,
  );
});
reply({ ready: true });
