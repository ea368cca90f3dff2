import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { analyticsBudgetSpend } from "../db/schema.js";
import type { ReadBudget } from "../platforms/analytics.js";
import type { PlatformId } from "../platforms/profiles.js";
import { nextMidnight } from "../platforms/reset-times.js";
import { DAY, spreadOf } from "./cadence.js";

export type Charge = { allowed: true } | { allowed: false; retryAt: Date; budget: ReadBudget; paced: boolean };

/** What of a paced window may be spent at once, beyond its even share so far: an hour's share of a day. */
const PACE_HEADROOM = 1 / 24;

class Spent extends Error {
  constructor(readonly charge: Charge & { allowed: false }) {
    super("read budget spent");
  }
}

/** The window a budget counts in now: the platform's day where it resets at a zone's midnight, else a fixed slice of time. */
function windowOf(budget: ReadBudget, now: number): { start: number; end: number } {
  if (budget.resetsAtMidnightIn) {
    const end = nextMidnight(budget.resetsAtMidnightIn, now).getTime();
    return { start: end - budget.perMs, end };
  }
  const start = Math.floor(now / budget.perMs) * budget.perMs;
  return { start, end: start + budget.perMs };
}

/**
 * What may have been spent of a window by now. A window of a day or more that every account
 * shares (a daily quota of units, a monthly cap of reads) is paced: spent evenly over it, plus an
 * hour's share at once, so that what it cannot pay is read later in the day rather than not at
 * all after noon. An account's own windows are not: a burst there (its history on connect) costs no
 * other account.
 */
function allowanceOf(budget: ReadBudget, window: { start: number }, now: number): { calls: number; paced: boolean } {
  const paced = budget.scope === "app" && budget.perMs >= DAY;
  if (!paced) return { calls: budget.calls, paced };
  const share = Math.min(1, (now - window.start) / budget.perMs + PACE_HEADROOM);
  return { calls: Math.floor(budget.calls * share), paced: share < 1 };
}

/**
 * A paced refusal's retry: somewhere in the next headroom's time (an hour for a day), drawn anew
 * for each refusal, so the accounts waiting on a pace come back spread out and none is always
 * last.
 */
function pacedRetry(budget: ReadBudget, connectionId: string, now: number, windowEnd: number): number {
  const span = budget.perMs * PACE_HEADROOM;
  return Math.min(windowEnd, now + Math.ceil(span * (0.05 + 0.95 * spreadOf(`${connectionId}:${now}`))));
}

/**
 * Charges one read against every budget the platform declares, in the database so that every
 * worker counts the same spend: each in its window (per account or for the whole app), all or
 * none. A read costs a budget what the budget says it does (a read that never reaches an
 * endpoint costs its window nothing; one that bills posts, the posts new that day), the
 * platform's cost otherwise. A read that would pass any budget is refused with when its window ends, or,
 * where the budget is paced, with when to try again.
 */
export async function chargeRead(
  db: Database,
  read: {
    platform: PlatformId;
    connectionId: string;
    budgets: readonly ReadBudget[];
    kind: "posts" | "account";
    cost: number;
    /** Of the posts a read asks for, those not read yet this UTC day. */
    postsNewToday: number;
    now: number;
  },
): Promise<Charge> {
  const costTo = (budget: ReadBudget) =>
    budget.countsPostsOncePerUtcDay
      ? read.kind === "posts"
        ? read.postsNewToday
        : 0
      : (budget.cost?.[read.kind] ?? read.cost);
  const charges = read.budgets.map((budget) => ({ budget, cost: costTo(budget) })).filter((charge) => charge.cost > 0);
  if (charges.length === 0) return { allowed: true };
  try {
    await db.transaction(async (tx) => {
      for (const { budget, cost } of charges) {
        const window = windowOf(budget, read.now);
        const windowStart = window.start;
        const allowance = allowanceOf(budget, window, read.now);
        const refused = {
          allowed: false as const,
          retryAt: new Date(allowance.paced ? pacedRetry(budget, read.connectionId, read.now, window.end) : window.end),
          budget,
          paced: allowance.paced,
        };
        if (cost > allowance.calls) throw new Spent(refused);
        const charged = await tx
          .insert(analyticsBudgetSpend)
          .values({
            platform: read.platform,
            scopeKey: budget.scope === "app" ? "app" : read.connectionId,
            windowMs: budget.perMs,
            windowStart: new Date(windowStart),
            calls: cost,
          })
          .onConflictDoUpdate({
            target: [
              analyticsBudgetSpend.platform,
              analyticsBudgetSpend.scopeKey,
              analyticsBudgetSpend.windowMs,
              analyticsBudgetSpend.windowStart,
            ],
            set: { calls: sql`${analyticsBudgetSpend.calls} + ${cost}` },
            setWhere: sql`${analyticsBudgetSpend.calls} + ${cost} <= ${allowance.calls}`,
          })
          .returning({ calls: analyticsBudgetSpend.calls });
        if (charged.length === 0) throw new Spent(refused);
      }
    });
    return { allowed: true };
  } catch (error) {
    if (error instanceof Spent) return error.charge;
    throw error;
  }
}
