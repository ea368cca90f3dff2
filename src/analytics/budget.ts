import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { analyticsBudgetSpend } from "../db/schema.js";
import type { ReadBudget } from "../platforms/analytics.js";
import type { PlatformId } from "../platforms/profiles.js";
import { nextMidnight } from "../platforms/reset-times.js";

export type Charge = { allowed: true } | { allowed: false; retryAt: Date; budget: ReadBudget };

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
 * Charges one read against every budget the platform declares, in the database so that every
 * worker counts the same spend: each in its window (per account or for the whole app), all or
 * none. A read costs a budget what the budget says it does (X bills posts returned, not
 * requests; a read that never reaches an endpoint costs its window nothing), the platform's
 * cost otherwise. A read that would pass any budget is refused with when its window ends.
 */
export async function chargeRead(
  db: Database,
  read: {
    platform: PlatformId;
    connectionId: string;
    budgets: readonly ReadBudget[];
    kind: "posts" | "account";
    cost: number;
    now: number;
  },
): Promise<Charge> {
  const charges = read.budgets
    .map((budget) => ({ budget, cost: budget.cost?.[read.kind] ?? read.cost }))
    .filter((charge) => charge.cost > 0);
  if (charges.length === 0) return { allowed: true };
  try {
    await db.transaction(async (tx) => {
      for (const { budget, cost } of charges) {
        const window = windowOf(budget, read.now);
        const windowStart = window.start;
        const refused = { allowed: false as const, retryAt: new Date(window.end), budget };
        if (cost > budget.calls) throw new Spent(refused);
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
            setWhere: sql`${analyticsBudgetSpend.calls} + ${cost} <= ${budget.calls}`,
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
