import type { FastifyReply } from "fastify";
import type { Config } from "../config.js";
import type { SandboxTwin } from "../connections/access.js";
import type { KeyedLock } from "../connections/lock.js";
import type { Database } from "../db/client.js";
import type { Queue } from "../jobs/queue.js";
import type { MasterKeyRing } from "../vault/keyring.js";
import type { Vault } from "../vault/vault.js";
import { SESSION_COOKIE } from "../auth/sessions.js";

/** What route plugins are given: the parsed config and the process's shared services. */
export interface AppContext {
  config: Config;
  db: Database;
  vault: Vault;
  keyRing: MasterKeyRing;
  queue: Queue;
  /** Where browsers reach the app: PUBLIC_URL, or the listening address. */
  publicUrl: () => URL;
  /** One refresh per connection at a time, across every worker. */
  locks: KeyedLock;
  sandboxTwin?: SandboxTwin;
}

export function setSessionCookie(reply: FastifyReply, context: AppContext, secret: string, expiresAt: Date) {
  reply.setCookie(SESSION_COOKIE, secret, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: context.publicUrl().protocol === "https:",
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
}
