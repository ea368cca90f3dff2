import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { analyticsBudgetSpend } from "../db/schema.js";
import type { ReadBudget } from "../platforms/analytics.js";
import type { PlatformId } from "../platforms/profiles.js";

export type Charge = { allowed: true } | { allowed: false; retryAt: Date; budget: ReadBudget };

class Spent extends Error {
  constructor(readonly charge: Charge & { allowed: false }) {
    super("read budget spent");
  }
}

/**
 * Charges one read's cost against every budget the platform declares, in the database so that
 * every worker counts the same spend: each in its fixed window (per account or for the whole
 * app), all or none. A read that would pass any budget is refused with when its window ends.
 */
export async function chargeRead(
  db: Database,
  read: { platform: PlatformId; connectionId: string; budgets: readonly ReadBudget[]; cost: number; now: number },
): Promise<Charge> {
  if (read.cost <= 0 || read.budgets.length === 0) return { allowed: true };
  try {
    await db.transaction(async (tx) => {
      for (const budget of read.budgets) {
        const windowStart = Math.floor(read.now / budget.perMs) * budget.perMs;
        const refused = { allowed: false as const, retryAt: new Date(windowStart + budget.perMs), budget };
        if (read.cost > budget.calls) throw new Spent(refused);
        const charged = await tx
          .insert(analyticsBudgetSpend)
          .values({
            platform: read.platform,
            scopeKey: budget.scope === "app" ? "app" : read.connectionId,
            windowMs: budget.perMs,
            windowStart: new Date(windowStart),
            calls: read.cost,
          })
          .onConflictDoUpdate({
            target: [
              analyticsBudgetSpend.platform,
              analyticsBudgetSpend.scopeKey,
              analyticsBudgetSpend.windowMs,
              analyticsBudgetSpend.windowStart,
            ],
            set: { calls: sql`${analyticsBudgetSpend.calls} + ${read.cost}` },
            setWhere: sql`${analyticsBudgetSpend.calls} + ${read.cost} <= ${budget.calls}`,
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
