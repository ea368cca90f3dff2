import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.js";
import { backends } from "../support/postgres.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp, testPassword, uniqueEmail } from "../support/factories.js";

for (const backend of backends) {
  describe(`audit log on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let superAdmin: HttpClient;
    let admin: HttpClient;
    let user: HttpClient;
    let organizationId: string;

    before(async () => {
      app = await startTestApp({ backend });
      superAdmin = app.client();
      await signUp(superAdmin);
      await createOrganization(superAdmin, "Root's own");
      admin = app.client();
      await signUp(admin, { email: "audit-admin@example.com" });
      organizationId = (await createOrganization(admin, "Audited")).id;
      user = app.client();
      const member = await addMember(admin, user, "USER");
      await admin.patch(`/api/organization/members/${member.id}`, { role: "GUEST" });
      await admin.patch(`/api/organization/members/${member.id}`, { role: "USER" });
      await app.client().post("/api/auth/login", { email: "audit-admin@example.com", password: "wrong password" });
      await app.client().post("/api/auth/login", { email: "audit-admin@example.com", password: testPassword });
    });
    after(() => app.stop());

    test("records who did what, to what, from where, newest first", async () => {
      const answer = await admin.get("/api/audit");
      assert.equal(answer.status, 200);
      const actions = answer.body.events.map((event: { action: string }) => event.action);
      assert.deepEqual(actions.slice(0, 5), [
        "auth.signed_in",
        "member.role_changed",
        "member.role_changed",
        "invitation.accepted",
        "invitation.created",
      ]);
      const change = answer.body.events[1];
      assert.equal(change.actorEmail, "audit-admin@example.com");
      assert.equal(change.targetType, "user");
      assert.deepEqual(change.details.from, "GUEST");
      assert.equal(change.ip, "127.0.0.1");
      assert.ok(
        answer.body.events.every((event: { organizationId: string }) => event.organizationId === organizationId),
      );
    });

    test("filters by action or action prefix, actor and time, and pages with a cursor", async () => {
      const changes = await admin.get("/api/audit?action=member.role_changed");
      assert.equal(changes.body.events.length, 2);
      const members = await admin.get("/api/audit?action=member.");
      assert.equal(members.body.events.length, 2);
      const invitations = await admin.get("/api/audit?action=invitation.&limit=1");
      assert.equal(invitations.body.events.length, 1);
      assert.equal(invitations.body.events[0].action, "invitation.accepted");
      const next = await admin.get(`/api/audit?action=invitation.&limit=1&before=${invitations.body.nextCursor}`);
      assert.equal(next.body.events[0].action, "invitation.created");
      assert.equal(next.body.nextCursor, null);
      const future = await admin.get(
        `/api/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      );
      assert.equal(future.body.events.length, 0);
      const bad = await admin.get("/api/audit?since=yesterday");
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, "since");
    });

    test("a USER may not read it; an ADMIN may not read the installation's", async () => {
      assert.equal((await user.get("/api/audit")).status, 403);
      const installation = await admin.get("/api/audit?scope=installation");
      assert.equal(installation.status, 403);
      assert.equal(installation.body.error.field, "scope");
    });

    test("a SUPER_ADMIN reads the installation's, failed sign-ins included", async () => {
      const answer = await superAdmin.get("/api/audit?scope=installation&action=auth.sign_in_failed");
      assert.equal(answer.status, 200);
      assert.equal(answer.body.events.length, 1);
      assert.equal(answer.body.events[0].details.email, "audit-admin@example.com");
      const organizations = new Set(
        (await superAdmin.get("/api/audit?scope=installation&limit=200")).body.events.map(
          (event: { organizationName: string }) => event.organizationName,
        ),
      );
      assert.ok(organizations.has("Audited") && organizations.has("Root's own"));
    });

    test("an unknown email's failed sign-in is recorded without an actor", async () => {
      const email = uniqueEmail("ghost");
      await app.client().post("/api/auth/login", { email, password: testPassword });
      const answer = await superAdmin.get("/api/audit?scope=installation&action=auth.sign_in_failed&limit=1");
      assert.equal(answer.body.events[0].details.email, email);
      assert.equal(answer.body.events[0].actorUserId, null);
    });
  });
}
