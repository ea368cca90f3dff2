import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import { after, before, describe, test } from "node:test";
import { monitoringEvents } from "../../src/db/schema.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { HttpClient } from "../support/client.js";
import { backends } from "../support/postgres.js";
import { waitFor } from "../support/process.js";
import { startTestApp } from "../support/app.js";
import { appRegistrations } from "../../sandbox/index.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled } from "../posts/support.js";
import { startMailbox, type Mailbox } from "./mailbox.js";
import { alertAppears, alertsOf, openAlertStream } from "./alert-support.js";

for (const backend of backends) {
  describe(`alerts, in-app and by e-mail (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let mailbox: Mailbox;
    let admin: HttpClient;
    let adminEmail: string;
    let passTime: (milliseconds: number) => Promise<void>;

    before(async () => {
      mailbox = await startMailbox();
      sandbox = await startSandbox();
      ({ app, passTime } = await startAppWithSandbox({
        sandbox,
        backend,
        env: { SMTP_URL: mailbox.url, MAIL_FROM: "Alerts <alerts@example.com>" },
      }));
      admin = app.client();
      adminEmail = (await signUp(admin)).email;
      await createOrganization(admin, "Alerted Co");
      await connectThroughConsent(admin, "x", { identity: "ava" });
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
      await mailbox.close();
    });

    const publish = async (content: string) => {
      const ids = await connectionIds(admin);
      const created = await admin.post("/api/posts", { content, connectionIds: [ids.byKey("x")] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return settled(admin, created.body.post.id, 30_000);
    };
    /** When the outbox recorded the post's end: where an alert's latency starts. */
    const failedAt = async (postId: string) => {
      const failures = await app.runtime.context.db
        .select()
        .from(monitoringEvents)
        .where(eq(monitoringEvents.type, "post.failed"));
      return failures.find((event) => event.data.post === postId)!.createdAt.getTime();
    };

    test("a failed post reaches the admin live on the stream and by one e-mail with a link; a repeat adds an occurrence, not an e-mail", async (t) => {
      const stream = await openAlertStream(admin);
      try {
        await publish("Said only once");
        const failed = await publish("Said only once");
        assert.equal(failed.targets[0].state, "failed");
        const eventAt = await failedAt(failed.id);

        const streamed = await waitFor(
          async () => stream.events.find((event) => event.alert.title.includes("failed")),
          15_000,
          "the alert on the stream",
        );
        const mail = await waitFor(async () => mailbox.received[0], 15_000, "the alert's e-mail");
        t.diagnostic(`event to stream: ${streamed.at - eventAt} ms; event to e-mail: ${mail.at - eventAt} ms`);

        assert.deepEqual(mail.envelopeTo, [adminEmail]);
        assert.match(mail.subject ?? "", /^\[Alerted Co\] A post to .+ on X failed$/);
        assert.match(mail.text ?? "", /duplicate content/);
        const [alert] = await alertsOf(admin, "?rule=post_failed");
        assert.ok(alert);
        const link = new URL(/See it in the dashboard: (\S+)/.exec(mail.text ?? "")![1]!);
        assert.equal(link.origin, app.url.origin);
        assert.equal(link.pathname, "/alerts");
        assert.equal(link.searchParams.get("alert"), alert.id);
        assert.match(String(mail.html), new RegExp(`href="[^"]*alert=${alert.id}"`));
        assert.equal(alert.occurrences, 1);
        assert.equal(alert.subjectType, "post");
        assert.equal(alert.subjectId, failed.id);

        const again = await publish("Said only once");
        assert.equal(again.targets[0].state, "failed");
        const repeated = await waitFor(
          async () => (await alertsOf(admin, "?rule=post_failed")).find((each) => each.occurrences === 2),
          15_000,
          "the second occurrence",
        );
        assert.equal(repeated.id, alert.id);
        assert.equal((await alertsOf(admin, "?rule=post_failed")).length, 1);
        await waitFor(
          async () => stream.events.find((event) => event.alert.occurrences === 2),
          15_000,
          "the repeat on the stream",
        );
        // Long enough for an e-mail job to have been sent, had one been made.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        assert.equal(mailbox.received.length, 1);
      } finally {
        await stream.close();
      }
    });

    test("the unread count goes down as alerts are read", async () => {
      const before = await admin.get("/api/alerts/unread-count");
      assert.ok(before.body.unread >= 1, JSON.stringify(before.body));
      const [alert] = await alertsOf(admin, "?unresolved=true");
      const read = await admin.post(`/api/alerts/${alert!.id}/read`);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal(read.body.alert.read, true);
      assert.equal(read.body.unread, before.body.unread - 1);
      const all = await admin.post("/api/alerts/read-all");
      assert.equal(all.body.unread, 0);
      assert.equal((await admin.get("/api/alerts/unread-count")).body.unread, 0);
    });

    test("an incident that opens again is e-mailed again, to the members whose choices say e-mail", async () => {
      const [open] = await alertsOf(admin, "?rule=post_failed&unresolved=true");
      assert.ok(open);
      const otherAdmin = new HttpClient(app.url);
      const otherAdminEmail = (await addMember(admin, otherAdmin, "ADMIN")).email;
      const user = new HttpClient(app.url);
      await addMember(admin, user, "USER");
      const optedOut = await admin.put("/api/alerts/preferences", {
        rules: [{ rule: "post_failed", inApp: true, email: false }],
      });
      assert.equal(optedOut.status, 200, JSON.stringify(optedOut.body));
      assert.equal((await admin.post(`/api/alerts/${open.id}/resolve`)).status, 200);
      const mailsBefore = mailbox.received.length;

      await publish("Said only once");
      const reopened = await alertAppears(
        admin,
        (alert) => alert.rule === "post_failed" && !alert.resolvedAt,
        "the incident opened again",
      );
      assert.notEqual(reopened.id, open.id);
      const mail = await waitFor(async () => mailbox.received[mailsBefore], 15_000, "the new incident's e-mail");
      assert.deepEqual(mail.envelopeTo, [otherAdminEmail]);
      assert.equal((await user.get("/api/alerts/unread-count")).body.unread, 1, "the USER sees it in-app");
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.equal(mailbox.received.length, mailsBefore + 1, "the USER and the admin who chose no e-mail got none");
    });

    test("a connection going invalid raises an alert; reconnected and healthy, it is resolved", async () => {
      const ids = await connectionIds(admin);
      const connectionId = ids.byKey("x");
      await fetch(`${sandbox.url}_sandbox/revoke`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ platform: "x", personId: "ava" }),
      });
      const checked = await admin.post(`/api/social-media/connections/${connectionId}/check`);
      assert.equal(checked.body.connection.status, "invalid");
      const alert = await alertAppears(
        admin,
        (each) => each.rule === "connection_problem" && each.subjectId === connectionId && !each.resolvedAt,
        "the connection's alert",
      );
      assert.equal(alert.severity, "critical");
      assert.match(alert.title, /must be reconnected/);

      await connectThroughConsent(admin, "x", { identity: "ava" });
      await passTime(1_000);
      await waitFor(
        async () => (await admin.get(`/api/alerts/${alert.id}`)).body.alert.resolvedAt ?? undefined,
        15_000,
        "the alert to be resolved",
      );
    });

    test("only an ADMIN resolves by hand, audited; another organization's alert is not found", async () => {
      const [open] = await alertsOf(admin, "?unresolved=true");
      assert.ok(open, "an open alert to resolve");
      for (const role of ["USER", "GUEST"] as const) {
        const member = new HttpClient(app.url);
        await addMember(admin, member, role);
        const refused: { status: number; body: unknown } = await member.post(`/api/alerts/${open.id}/resolve`);
        assert.equal(refused.status, 403, JSON.stringify(refused.body));
      }
      const stranger = new HttpClient(app.url);
      await signUp(stranger);
      await createOrganization(stranger, "Elsewhere Inc");
      assert.equal((await stranger.get(`/api/alerts/${open.id}`)).status, 404);
      assert.equal((await stranger.post(`/api/alerts/${open.id}/resolve`)).status, 404);
      assert.equal((await stranger.post(`/api/alerts/${open.id}/read`)).status, 404);

      const resolved = await admin.post(`/api/alerts/${open.id}/resolve`);
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
      assert.ok(resolved.body.alert.resolvedAt);
      const audit = await admin.get("/api/audit?action=alert.resolved");
      assert.equal(audit.body.events[0].targetId, open.id);
    });

    test("an access token that cannot be renewed is warned of days before it expires", async () => {
      // A LinkedIn app without programmatic refresh gets no refresh token: 60 days, then the account must be reconnected.
      const [linkedinApp] = appRegistrations((platform) =>
        new URL(`/api/auth/callback/${platform}`, app.url).toString(),
      ).filter((client) => client.platform === "linkedin");
      const registered = await fetch(`${sandbox.url}_sandbox/clients`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...linkedinApp, programmaticRefresh: false }),
      });
      assert.equal(registered.status, 201);
      const landed = await connectThroughConsent(admin, "linkedin", { identity: "ava" });
      assert.ok(!landed.searchParams.get("error"), landed.toString());
      const linkedinId = (await connectionIds(admin)).byKey("linkedin");
      await passTime(40 * 86_400_000);
      await admin.post("/api/auth/login", { email: adminEmail, password: "correct horse battery staple" });
      assert.equal(
        (await alertsOf(admin, "?rule=token_expiring")).length,
        0,
        "warned while the token had 20 days left",
      );
      await passTime(14 * 86_400_000);
      await admin.post("/api/auth/login", { email: adminEmail, password: "correct horse battery staple" });
      const warning = await alertAppears(
        admin,
        (each) => each.rule === "token_expiring" && each.subjectId === linkedinId,
        "the expiry warning",
      );
      assert.match(warning.title, /within 6 days/);
    });
  });
}

describe("alerts without SMTP settings", () => {
  test("the preferences say e-mail is off, and keep each member's choices", async () => {
    const app = await startTestApp();
    try {
      const client = app.client();
      await signUp(client);
      await createOrganization(client);
      const preferences = await client.get("/api/alerts/preferences");
      assert.equal(preferences.status, 200);
      assert.equal(preferences.body.emailAvailable, false);
      const failures = preferences.body.rules.find((rule: { rule: string }) => rule.rule === "post_failed");
      assert.deepEqual({ inApp: failures.inApp, email: failures.email }, { inApp: true, email: true });
      const changed = await client.put("/api/alerts/preferences", {
        rules: [{ rule: "post_failed", inApp: true, email: false }],
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal(changed.body.rules.find((rule: { rule: string }) => rule.rule === "post_failed").email, false);
      const stream = await client.get("/api/alerts/stream");
      assert.equal(stream.status, 406);
      assert.equal(stream.body.error.code, "not_acceptable");
    } finally {
      await app.stop();
    }
  });
});
