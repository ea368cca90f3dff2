import { and, gt, inArray, sql } from "drizzle-orm";
import { alerts } from "../../db/schema.js";
import type { Database } from "../../db/client.js";
import type { Alert } from "./alerts.js";

/**
 * A change is looked for this far back on every tick. Each alert's change is stamped by the
 * database as it is written (clock_timestamp), and may commit a little later than a later-stamped
 * one: the overlap catches it, and what was already sent is remembered and not sent again.
 */
const LOOK_BACK_SECONDS = 10;

type Listener = (alert: Alert) => void;

/**
 * Alert changes for this process's live streams: while anyone listens, one query per tick over
 * every listening organization, fanned out to each organization's listeners. Polling rather than
 * LISTEN/NOTIFY works the same on PGlite and PostgreSQL and costs one small indexed query a second.
 */
export class AlertFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly sent = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly db: Database,
    private readonly logger: { warn(details: object, message: string): void },
    private readonly intervalMs = 1_000,
  ) {}

  subscribe(organizationId: string, listener: Listener): () => void {
    const set = this.listeners.get(organizationId) ?? new Set();
    set.add(listener);
    this.listeners.set(organizationId, set);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(organizationId);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop() {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick() {
    if (this.ticking || this.listeners.size === 0) return;
    this.ticking = true;
    try {
      const changed = await this.db
        .select()
        .from(alerts)
        .where(
          and(
            inArray(alerts.organizationId, [...this.listeners.keys()]),
            gt(alerts.changedAt, sql`now() - make_interval(secs => ${LOOK_BACK_SECONDS})`),
          ),
        );
      const now = Date.now();
      for (const alert of changed) {
        const key = `${alert.id}:${alert.changedAt.getTime()}`;
        if (this.sent.has(key)) continue;
        this.sent.set(key, now);
        for (const listener of this.listeners.get(alert.organizationId) ?? []) listener(alert);
      }
      for (const [key, at] of this.sent) if (now - at > LOOK_BACK_SECONDS * 3_000) this.sent.delete(key);
    } catch (error) {
      this.logger.warn({ err: error }, "reading alert changes for live streams failed; trying again");
    } finally {
      this.ticking = false;
    }
  }
}
