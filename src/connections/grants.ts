import { randomUUID } from "node:crypto";
import { and, eq, gt } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { pendingGrants } from "../db/schema.js";
import { invalidInput, notFound } from "../errors.js";
import type { Account, GrantTokens } from "../platforms/platform.js";
import type { PlatformId } from "../platforms/profiles.js";
import { saveConnections, type Actor } from "./save.js";
import type { Connection } from "./store.js";

const GRANT_TTL_MS = 15 * 60_000;

/** Keeps a grant that can post as several accounts, sealed, until the person chooses among them. */
export async function offerChoice(
  context: AppContext,
  options: {
    organizationId: string;
    userId: string;
    platform: PlatformId;
    variant: string | null;
    isSandbox: boolean;
    grant: GrantTokens;
    accounts: Account[];
  },
): Promise<string> {
  const { organizationId, grant, accounts } = options;
  const grantId = randomUUID();
  await context.db.insert(pendingGrants).values({
    id: grantId,
    organizationId,
    userId: options.userId,
    platform: options.platform,
    variant: options.variant,
    isSandbox: options.isSandbox,
    grantCiphertext: await context.vault.seal(
      { organizationId, record: `grant:${grantId}`, field: "grant" },
      JSON.stringify({ grant, accounts }),
    ),
    accounts: accounts.map(({ externalId, kind, name, username, avatarUrl }) => ({
      externalId,
      kind,
      name,
      username,
      avatarUrl,
    })),
    expiresAt: new Date(context.clock.now() + GRANT_TTL_MS),
  });
  return grantId;
}

export async function pendingGrant(context: AppContext, organizationId: string, grantId: string) {
  const [grant] = await context.db
    .select()
    .from(pendingGrants)
    .where(
      and(
        eq(pendingGrants.id, grantId),
        eq(pendingGrants.organizationId, organizationId),
        gt(pendingGrants.expiresAt, new Date(context.clock.now())),
      ),
    );
  if (!grant) throw notFound("That account choice (it lasts 15 minutes)");
  return grant;
}

export async function chooseAccounts(
  context: AppContext,
  actor: Actor,
  grantId: string,
  externalIds: string[],
): Promise<Connection[]> {
  const pending = await pendingGrant(context, actor.organizationId, grantId);
  const { grant, accounts } = JSON.parse(
    await context.vault.open(
      { organizationId: actor.organizationId, record: `grant:${grantId}`, field: "grant" },
      pending.grantCiphertext,
    ),
  ) as { grant: GrantTokens & { expiresAt?: string; refreshTokenExpiresAt?: string }; accounts: Account[] };
  const chosen = accounts.filter((account) => externalIds.includes(account.externalId));
  const unknown = externalIds.filter((id) => !accounts.some((account) => account.externalId === id));
  if (chosen.length === 0 || unknown.length > 0)
    throw invalidInput("invalid_choice", "Choose at least one of the accounts offered.", "externalIds");
  const saved = await saveConnections(context, actor, {
    platform: pending.platform,
    variant: pending.variant,
    isSandbox: pending.isSandbox,
    grant: {
      ...grant,
      expiresAt: grant.expiresAt ? new Date(grant.expiresAt) : undefined,
      refreshTokenExpiresAt: grant.refreshTokenExpiresAt ? new Date(grant.refreshTokenExpiresAt) : undefined,
    },
    accounts: chosen,
  });
  await context.db.delete(pendingGrants).where(eq(pendingGrants.id, grantId));
  return saved;
}
