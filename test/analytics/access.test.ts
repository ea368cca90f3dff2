import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";

/** Every analytics route, with a request that is valid for an organization's own ids. */
const reads = (ids: { postId: string; connectionId: string }) => [
  "/api/analytics",
  "/api/analytics/overview",
  "/api/analytics/export.csv",
  `/api/analytics/posts/${ids.postId}`,
  `/api/analytics/accounts/${ids.connectionId}`,
];

describe("analytics: who may read and collect, and bad input", () => {
  let app: TestApp;
  let admin: HttpClient;
  let user: HttpClient;
  let guest: HttpClient;
  let outsider: HttpClient;
  let superAdmin: HttpClient;
  let foreignPostId: string;

  before(async () => {
    app = await startTestApp({ env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "10000" } });
    // The first person to sign up is the deployment's SUPER_ADMIN.
    superAdmin = app.client();
    await signUp(superAdmin);
    admin = app.client();
    await signUp(admin);
    await createOrganization(admin, "Measured Co");
    user = app.client();
    await addMember(admin, user, "USER");
    guest = app.client();
    await addMember(admin, guest, "GUEST");
    outsider = app.client();
    await signUp(outsider);
    await createOrganization(outsider, "Elsewhere Ltd");
    const post = await outsider.post("/api/posts", { content: "Not yours", connectionIds: [] });
    foreignPostId = post.body.post?.id ?? "00000000-0000-4000-8000-000000000000";
  });
  after(async () => app.stop());

  test("ADMIN and USER read their organization's analytics; GUEST is refused", async () => {
    const ids = { postId: foreignPostId, connectionId: "00000000-0000-4000-8000-000000000001" };
    for (const path of reads(ids).slice(0, 3)) {
      assert.equal((await admin.get(path)).status, 200, path);
      assert.equal((await user.get(path)).status, 200, path);
      assert.equal((await guest.get(path)).status, 403, path);
    }
    for (const path of reads(ids).slice(3)) assert.equal((await guest.get(path)).status, 403, path);
  });

  test("another organization's post or account is not found", async () => {
    const post = await admin.get(`/api/analytics/posts/${foreignPostId}`);
    assert.equal(post.status, 404, JSON.stringify(post.body));
    const account = await admin.get("/api/analytics/accounts/00000000-0000-4000-8000-000000000001");
    assert.equal(account.status, 404);
    assert.equal(account.body.error.field, "connectionId");
  });

  test("collecting now is for ADMIN and above", async () => {
    const answer = await admin.post("/api/analytics/refresh", {});
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, { queued: [], skipped: [] });
    assert.equal((await user.post("/api/analytics/refresh", {})).status, 403);
    assert.equal((await guest.post("/api/analytics/refresh", {})).status, 403);
    const elsewhere = await admin.post("/api/analytics/refresh", {
      connectionIds: ["00000000-0000-4000-8000-000000000001"],
    });
    assert.equal(elsewhere.status, 404);
  });

  test("a SUPER_ADMIN acts in the organization that is active", async () => {
    const organizations = (await superAdmin.get("/api/organizations")).body.organizations as {
      id: string;
      name: string;
    }[];
    const measured = organizations.find((organization) => organization.name === "Measured Co")!;
    const switched = await superAdmin.put("/api/auth/session/organization", { organizationId: measured.id });
    assert.equal(switched.status, 200, JSON.stringify(switched.body));
    assert.equal((await superAdmin.get("/api/analytics")).status, 200);
    assert.equal((await superAdmin.post("/api/analytics/refresh", {})).status, 202);
  });

  test("bad input is a 400 naming the field", async () => {
    const cases: [string, string][] = [
      ["/api/analytics?platforms=myspace", "platforms"],
      ["/api/analytics?metrics=vibes", "metrics"],
      ["/api/analytics?start=2026-02-01&end=2026-01-01", "start"],
      ["/api/analytics?start=2023-01-01&end=2026-01-01", "end"],
      ["/api/analytics?start=2026-13-01", "start"],
      ["/api/analytics?end=yesterday", "end"],
      ["/api/analytics/export.csv?start=2026-02-30", "start"],
      ["/api/analytics/posts/not-an-id", "postId"],
      ["/api/analytics/accounts/not-an-id", "connectionId"],
    ];
    for (const [path, field] of cases) {
      const answer = await admin.get(path);
      assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.field, field, `${path}: ${JSON.stringify(answer.body)}`);
    }
  });

  test("an empty organization answers nulls and not-provided reasons, never zeros", async () => {
    const answer = await admin.get("/api/analytics?platforms=telegram&start=2026-11-01&end=2026-11-03");
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const report = answer.body.platforms.telegram;
    assert.equal(report.totalReach, null);
    assert.equal(report.totalEngagement, null);
    assert.equal(report.engagementRate.value, null);
    assert.equal(report.series.length, 3);
    assert.equal(answer.body.total.totalImpressions, null);
  });
});
