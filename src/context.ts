import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { SandboxTwin } from "./connections/twin.js";
import type { KeyedLock } from "./connections/lock.js";
import type { Database } from "./db/client.js";
import type { Queue } from "./jobs/queue.js";
import type { Metrics } from "./monitoring/metrics/instruments.js";
import type { PlatformCallObservers } from "./monitoring/platform-calls.js";
import type { MasterKeyRing } from "./vault/keyring.js";
import type { Vault } from "./vault/vault.js";

/** What every part of the app is given, routes and jobs alike: the parsed config and the process's shared services. */
export interface AppContext {
  config: Config;
  /** The time every decision reads: the system's, or one tests advance. */
  clock: Clock;
  db: Database;
  vault: Vault;
  keyRing: MasterKeyRing;
  queue: Queue;
  /** Where browsers reach the app: PUBLIC_URL, or the listening address. */
  publicUrl: () => URL;
  /** One refresh per connection at a time, across every worker. */
  locks: KeyedLock;
  /** Every platform call this process makes, reported as it ends. */
  platformCalls: PlatformCallObservers;
  /** This process's Prometheus metrics, in a registry of its own. */
  metrics: Metrics;
  sandboxTwin?: SandboxTwin;
}
