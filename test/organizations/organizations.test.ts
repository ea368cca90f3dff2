import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.js";
import { backends } from "../support/postgres.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp, uniqueEmail } from "../support/factories.js";

const tokenOf = (url: string) => new URL(url).pathname.split("/").at(-1)!;

for (const backend of backends) {
  describe(`organizations, members and invitations on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let superAdmin: HttpClient;
    before(async () => {
      app = await startTestApp({ backend });
      superAdmin = app.client();
      await signUp(superAdmin);
    });
    after(() => app.stop());

    test("the creator is ADMIN of a new organization, which becomes active", async () => {
      const client = app.client();
      await signUp(client);
      const organization = await createOrganization(client, "Northwind Marketing");
      assert.equal(organization.role, "ADMIN");
      const current = await client.get("/api/organization");
      assert.equal(current.status, 200);
      assert.equal(current.body.organization.name, "Northwind Marketing");
      assert.equal(current.body.organization.memberCount, 1);
    });

    test("organization names are validated with the field named", async () => {
      const client = app.client();
      await signUp(client);
      const answer = await client.post("/api/organizations", { name: " " });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.field, "name");
    });

    test("switching organizations works only for ones you belong to", async () => {
      const alice = app.client();
      const bob = app.client();
      await signUp(alice);
      await signUp(bob);
      const first = await createOrganization(alice, "Alpha");
      const second = await createOrganization(alice, "Beta");
      const bobs = await createOrganization(bob, "Bob's");
      assert.equal((await alice.get("/api/organization")).body.organization.id, second.id);
      const switched = await alice.put("/api/auth/session/organization", { organizationId: first.id });
      assert.equal(switched.status, 200);
      assert.equal((await alice.get("/api/organization")).body.organization.id, first.id);
      const intrusion = await alice.put("/api/auth/session/organization", { organizationId: bobs.id });
      assert.equal(intrusion.status, 404);
      const listed = await alice.get("/api/organizations");
      assert.deepEqual(
        listed.body.organizations.map((o: { name: string }) => o.name),
        ["Alpha", "Beta"],
      );
    });

    test("an invitation link joins the invited person with the chosen role", async () => {
      const admin = app.client();
      await signUp(admin);
      const organization = await createOrganization(admin, "Invite Co");
      const email = uniqueEmail("invitee");
      const created = await admin.post("/api/organization/invitations", { email: email.toUpperCase(), role: "USER" });
      assert.equal(created.status, 201);
      assert.equal(created.body.invitation.email, email);
      const token = tokenOf(created.body.invitation.url);

      const listed = await admin.get("/api/organization/invitations");
      assert.equal(listed.body.invitations.length, 1);
      assert.equal(
        listed.body.invitations[0].url,
        created.body.invitation.url,
        "the admin can copy the same link again",
      );

      const preview = await app.client().get(`/api/invitations/${token}`);
      assert.equal(preview.status, 200);
      assert.deepEqual(
        {
          organizationName: preview.body.invitation.organizationName,
          role: preview.body.invitation.role,
          status: preview.body.invitation.status,
        },
        { organizationName: "Invite Co", role: "USER", status: "pending" },
      );

      const stranger = app.client();
      await signUp(stranger);
      const wrongPerson = await stranger.post(`/api/invitations/${token}/accept`);
      assert.equal(wrongPerson.status, 403);
      assert.equal(wrongPerson.body.error.code, "invitation_email_mismatch");

      const invitee = app.client();
      await signUp(invitee, { email });
      const accepted = await invitee.post(`/api/invitations/${token}/accept`);
      assert.equal(accepted.status, 200);
      assert.equal(accepted.body.organization.id, organization.id);
      const me = await invitee.get("/api/auth/me");
      assert.equal(me.body.activeOrganization.role, "USER");

      const reused = await invitee.post(`/api/invitations/${token}/accept`);
      assert.equal(reused.status, 410);
      const members = await admin.get("/api/organization/members");
      const roles = Object.fromEntries(
        members.body.members.map((m: { email: string; role: string }) => [m.email, m.role]),
      );
      assert.equal(roles[email], "USER");
      assert.equal(Object.values(roles).filter((role) => role === "ADMIN").length, 1);
      assert.equal((await admin.get("/api/organization/invitations")).body.invitations.length, 0);
    });

    test("inviting a member or a pending invitee again is refused; revoking kills the link", async () => {
      const admin = app.client();
      const adminUser = await signUp(admin);
      await createOrganization(admin);
      const self = await admin.post("/api/organization/invitations", { email: adminUser.email, role: "USER" });
      assert.equal(self.status, 409);
      assert.equal(self.body.error.code, "already_member");
      const email = uniqueEmail();
      const first = await admin.post("/api/organization/invitations", { email, role: "GUEST" });
      const twice = await admin.post("/api/organization/invitations", { email, role: "GUEST" });
      assert.equal(twice.status, 409);
      assert.equal(twice.body.error.field, "email");
      assert.equal((await admin.delete(`/api/organization/invitations/${first.body.invitation.id}`)).status, 204);
      const invitee = app.client();
      await signUp(invitee, { email });
      const late = await invitee.post(`/api/invitations/${tokenOf(first.body.invitation.url)}/accept`);
      assert.equal(late.status, 410);
      assert.equal(late.body.error.code, "invitation_revoked");
    });

    test("roles change, members leave, and the last ADMIN stays", async () => {
      const admin = app.client();
      const adminUser = await signUp(admin);
      await createOrganization(admin);
      const member = app.client();
      const memberUser = await addMember(admin, member, "USER");

      const demoteSelf = await admin.patch(`/api/organization/members/${adminUser.id}`, { role: "USER" });
      assert.equal(demoteSelf.status, 409);
      assert.equal(demoteSelf.body.error.code, "last_admin");
      assert.equal((await admin.delete(`/api/organization/members/${adminUser.id}`)).status, 409);

      assert.equal((await admin.patch(`/api/organization/members/${memberUser.id}`, { role: "ADMIN" })).status, 200);
      assert.equal((await admin.patch(`/api/organization/members/${adminUser.id}`, { role: "GUEST" })).status, 200);
      assert.equal((await admin.get("/api/organization/members")).status, 403, "a GUEST cannot list members");
      assert.equal((await member.delete(`/api/organization/members/${adminUser.id}`)).status, 204);
      assert.equal((await admin.get("/api/organization")).status, 409, "a removed member has no active organization");

      const badRole = await member.patch(`/api/organization/members/${memberUser.id}`, { role: "OWNER" });
      assert.equal(badRole.status, 400);
      assert.equal(badRole.body.error.field, "role");
      const badId = await member.patch("/api/organization/members/not-a-uuid", { role: "USER" });
      assert.equal(badId.status, 400);
      assert.match(badId.body.error.message, /userId/);
    });

    test("two admins demoting each other at once leave one admin", async () => {
      const first = app.client();
      const firstUser = await signUp(first);
      await createOrganization(first);
      const second = app.client();
      const secondUser = await addMember(first, second, "ADMIN");
      const [a, b] = await Promise.all([
        first.patch(`/api/organization/members/${secondUser.id}`, { role: "USER" }),
        second.patch(`/api/organization/members/${firstUser.id}`, { role: "USER" }),
      ]);
      // The loser is refused either by the last-admin check (409) or, when the winner committed
      // before its request was authorised, because it is no longer an admin (403).
      const statuses = [a.status, b.status];
      assert.equal(statuses.filter((status) => status === 200).length, 1, String(statuses));
      assert.ok(
        statuses.some((status) => status === 409 || status === 403),
        String(statuses),
      );
      const members = await (a.status === 200 ? first : second).get("/api/organization/members");
      assert.equal(members.body.members.filter((m: { role: string }) => m.role === "ADMIN").length, 1);
    });

    test("a SUPER_ADMIN sees and enters every organization; others do not", async () => {
      const owner = app.client();
      await signUp(owner);
      const organization = await createOrganization(owner, "Owner Only");
      const outsider = app.client();
      await signUp(outsider);
      assert.equal(
        (await outsider.put("/api/auth/session/organization", { organizationId: organization.id })).status,
        404,
      );

      const listed = await superAdmin.get("/api/organizations");
      assert.ok(
        listed.body.organizations.some(
          (o: { id: string; role: string }) => o.id === organization.id && o.role === "SUPER_ADMIN",
        ),
      );
      const entered = await superAdmin.put("/api/auth/session/organization", { organizationId: organization.id });
      assert.equal(entered.status, 200);
      assert.equal(entered.body.activeOrganization.role, "SUPER_ADMIN");
      assert.equal((await superAdmin.get("/api/organization/members")).status, 200);
    });
  });
}
