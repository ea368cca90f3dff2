import { randomUUID } from "node:crypto";
import assert from "node:assert/strict";
import type { MembershipRole } from "../../src/auth/permissions.js";
import type { HttpClient } from "./client.js";

export const testPassword = "correct horse battery staple";

export function uniqueEmail(label = "user"): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

export async function signUp(client: HttpClient, overrides: { email?: string; name?: string; password?: string } = {}) {
  const email = overrides.email ?? uniqueEmail();
  const answer = await client.post("/api/auth/signup", {
    email,
    name: overrides.name ?? "Test Person",
    password: overrides.password ?? testPassword,
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body.user as { id: string; email: string; name: string; isSuperAdmin: boolean };
}

export async function createOrganization(client: HttpClient, name = `Org ${randomUUID().slice(0, 6)}`) {
  const answer = await client.post("/api/organizations", { name });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body.organization as { id: string; name: string; role: string };
}

/** Invites a new person with `role` and has them accept: a member signed in with that org active. */
export async function addMember(admin: HttpClient, member: HttpClient, role: MembershipRole) {
  const email = uniqueEmail(role.toLowerCase());
  const invitation = await admin.post("/api/organization/invitations", { email, role });
  assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
  const user = await signUp(member, { email });
  const token = new URL(invitation.body.invitation.url).pathname.split("/").at(-1)!;
  const accepted = await member.post(`/api/invitations/${token}/accept`);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  return user;
}
