import { and, asc, eq, isNotNull } from "drizzle-orm";
import type { Role } from "../auth/permissions.js";
import type { Database } from "../db/client.js";
import { memberships, organizations } from "../db/schema.js";

/** The organizations a user can switch to: their memberships, or every one for a SUPER_ADMIN. */
export async function listOrganizationsFor(
  db: Database,
  user: { id: string; isSuperAdmin: boolean },
): Promise<{ id: string; name: string; role: Role }[]> {
  const rows = await db
    .select({ id: organizations.id, name: organizations.name, role: memberships.role })
    .from(organizations)
    .leftJoin(memberships, and(eq(memberships.organizationId, organizations.id), eq(memberships.userId, user.id)))
    .where(user.isSuperAdmin ? undefined : isNotNull(memberships.role))
    .orderBy(asc(organizations.name));
  return rows.flatMap((row) => {
    const role: Role | null = user.isSuperAdmin ? "SUPER_ADMIN" : row.role;
    return role ? [{ id: row.id, name: row.name, role }] : [];
  });
}
