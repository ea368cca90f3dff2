import assert from "node:assert/strict";
import type { Role } from "../../src/auth/permissions.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp, testPassword } from "../support/factories.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { jpegOf, upload } from "../posts/support.js";

/** One organization's data, as ids a request can name. */
export interface OrganizationData {
  organizationId: string;
  connectionId: string;
  mediaId: string;
  mediaToken: string;
  postId: string;
  targetId: string;
  /** A webhook endpoint at a public address, subscribed to nothing that happens in the walks. */
  endpointId: string;
  campaignId: string;
  costId: string;
  /** A client report, with a live share link. */
  reportId: string;
  shareLinkId: string;
  content: string;
}

/** The other organization: everything a stranger to it could try to name. */
export interface TargetData extends OrganizationData {
  memberUserId: string;
  invitationId: string;
  invitationToken: string;
  grantId: string;
  /** An API key of the organization (its id; its secret never leaves the owner). */
  apiKeyId: string;
}

export interface Tenants {
  app: TestApp;
  sandbox: RunningSandbox;
  /** Each role's email in the home organization (the SUPER_ADMIN is the installation's). */
  emails: Record<Role, string>;
  home: OrganizationData;
  target: TargetData;
  /** A fresh session for a role, with the home organization active. */
  signIn(role: Role): Promise<HttpClient>;
  /** The target organization as its own admin sees it; equal before and after means untouched. */
  snapshot(): Promise<string>;
  stop(): Promise<void>;
}

const nextYear = () => new Date(Date.now() + 365 * 24 * 3_600_000).toISOString();

async function organizationData(client: HttpClient, content: string): Promise<OrganizationData> {
  const connected = await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
  assert.equal(connected.status, 201, JSON.stringify(connected.body));
  const media = await upload(client, { name: "photo.jpg", type: "image/jpeg", body: jpegOf(600, 600) });
  const post = await client.post("/api/posts", {
    content,
    mediaIds: [media.id],
    connectionIds: [connected.body.connection.id],
    scheduledAt: nextYear(),
  });
  assert.equal(post.status, 201, JSON.stringify(post.body));
  const organization = await client.get("/api/organization");
  const endpoint = await client.post("/api/webhooks/endpoints", {
    url: "https://8.8.8.8/hook",
    events: ["post.unknown"],
  });
  assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
  const campaign = await client.post("/api/campaigns", {
    name: `${content} campaign`,
    startsOn: "2026-01-01",
    currency: "EUR",
  });
  assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
  const cost = await client.post(`/api/campaigns/${campaign.body.campaign.id}/costs`, {
    kind: "paid_boost",
    description: "Boost",
    amount: "120.50",
    incurredOn: "2026-01-02",
  });
  assert.equal(cost.status, 201, JSON.stringify(cost.body));
  const report = await client.post("/api/reports", { title: `${content}: report`, rangeKind: "last_7_days" });
  assert.equal(report.status, 201, JSON.stringify(report.body));
  const shareLink = await client.post(`/api/reports/${report.body.report.id}/share-links`, { expiresInDays: 30 });
  assert.equal(shareLink.status, 201, JSON.stringify(shareLink.body));
  return {
    organizationId: organization.body.organization.id,
    connectionId: connected.body.connection.id,
    mediaId: media.id,
    mediaToken: new URL(media.url).pathname.split("/")[2]!,
    postId: post.body.post.id,
    targetId: post.body.post.targets[0].id,
    endpointId: endpoint.body.endpoint.id,
    campaignId: campaign.body.campaign.id,
    costId: cost.body.cost.id,
    reportId: report.body.report.id,
    shareLinkId: shareLink.body.shareLink.id,
    content,
  };
}

/** Fields that change on their own (health checks), left out of the comparison. */
const VOLATILE = new Set(["lastCheckedAt", "lastSuccessAt", "errorCount", "lastError", "lastErrorAt"]);

/**
 * Two organizations on one installation, against the platform sandbox: "home", with a member of
 * every role (its creator is the installation's SUPER_ADMIN), and "target", with a connection,
 * media, a scheduled post, a pending invitation, a pending account choice and a member of its own.
 */
export async function startTenants(env: Record<string, string> = {}): Promise<Tenants> {
  const { app, sandbox } = await startAppWithSandbox({
    env: {
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "100000",
      LOGIN_FAILURES_PER_EMAIL: "100000",
      // Test events the walks send go to a public address no test reaches: given up on soon.
      WEBHOOK_TIMEOUT_MS: "1000",
      ...env,
    },
  });
  const superAdmin = app.client();
  const emails = { SUPER_ADMIN: (await signUp(superAdmin)).email } as Record<Role, string>;
  await createOrganization(superAdmin, "Home Org");
  for (const role of ["ADMIN", "USER", "GUEST"] as const)
    emails[role] = (await addMember(superAdmin, app.client(), role)).email;
  const home = await organizationData(superAdmin, "home post");

  const owner = app.client();
  await signUp(owner);
  await createOrganization(owner, "Target Org");
  const memberUserId = (await addMember(owner, app.client(), "USER")).id;
  const data = await organizationData(owner, "target post, private to its organization");
  // Its posting settings are its own too: the snapshot shows them, so a change from outside is seen.
  const approval = await owner.patch("/api/organization", { requireApproval: true });
  assert.equal(approval.status, 200, JSON.stringify(approval.body));
  const invitation = await owner.post("/api/organization/invitations", {
    email: "invited-to-target@example.com",
    role: "ADMIN",
  });
  assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
  const apiKey = await owner.post("/api/organization/api-keys", { name: "Target's script", role: "ADMIN" });
  assert.equal(apiKey.status, 201, JSON.stringify(apiKey.body));
  const choose = await connectThroughConsent(owner, "facebook", { identity: "ava" });
  const target: TargetData = {
    ...data,
    memberUserId,
    invitationId: invitation.body.invitation.id,
    invitationToken: new URL(invitation.body.invitation.url).pathname.split("/").at(-1)!,
    grantId: choose.searchParams.get("choose")!,
    apiKeyId: apiKey.body.apiKey.id,
  };
  assert.ok(target.grantId, `no account choice: ${choose.toString()}`);

  return {
    app,
    sandbox,
    emails,
    home,
    target,
    async signIn(role) {
      const client = app.client();
      const answer = await client.post("/api/auth/login", { email: emails[role], password: testPassword });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return client;
    },
    async snapshot() {
      const views = await Promise.all(
        [
          "/api/organization",
          "/api/organization/members",
          "/api/organization/invitations",
          "/api/posts?limit=200",
          "/api/social-media/connections?includeDisconnected=true",
          `/api/social-media/grants/${target.grantId}`,
          "/api/webhooks/endpoints",
          `/api/webhooks/endpoints/${target.endpointId}/deliveries`,
          "/api/organization/api-keys",
          `/api/campaigns/${target.campaignId}`,
          "/api/reports",
          `/api/reports/${target.reportId}`,
          "/api/organization/logo",
        ].map(async (path) => {
          const answer = await owner.get(path);
          return [path, answer.status, answer.body];
        }),
      );
      return JSON.stringify(views, (key, value) => (VOLATILE.has(key) ? undefined : value));
    },
    async stop() {
      await app.stop();
      await sandbox.close();
    },
  };
}
