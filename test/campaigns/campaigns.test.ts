import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";

for (const backend of backends) {
  describe(`campaigns (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let admin: HttpClient;
    let member: HttpClient;
    let guest: HttpClient;
    let stranger: HttpClient;

    before(async () => {
      app = await startTestApp({ backend });
      admin = app.client();
      await signUp(admin);
      await createOrganization(admin, "Campaigning Co");
      member = app.client();
      await addMember(admin, member, "USER");
      guest = app.client();
      await addMember(admin, guest, "GUEST");
      stranger = app.client();
      await signUp(stranger);
      await createOrganization(stranger, "Elsewhere Inc");
    });
    after(() => app.stop());

    const create = (client: HttpClient, body: Record<string, unknown> = {}) =>
      client.post("/api/campaigns", { name: "Autumn Sale", startsOn: "2026-09-01", currency: "EUR", ...body });

    test("an admin creates, changes and costs a campaign; amounts stay exact", async () => {
      const created = await create(admin, {
        name: "Été Ôffers!",
        endsOn: "2026-09-30",
        goal: { kind: "revenue", target: "5000.00" },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const campaign = created.body.campaign;
      assert.equal(campaign.slug, "ete-offers");
      assert.deepEqual(campaign.goal, { kind: "revenue", target: "5000.00" });
      const id = campaign.id;
      for (const amount of ["0.10", "0.20"]) {
        const cost = await admin.post(`/api/campaigns/${id}/costs`, {
          kind: "paid_boost",
          description: "Boosted post",
          amount,
          incurredOn: "2026-09-02",
        });
        assert.equal(cost.status, 201, JSON.stringify(cost.body));
      }
      const detail = await admin.get(`/api/campaigns/${id}`);
      assert.equal(detail.body.campaign.totalCost, "0.30", "0.10 + 0.20 is 0.30, exactly");
      assert.equal(detail.body.campaign.costs.length, 2);
      assert.deepEqual(detail.body.campaign.trackedClicks, { clicks: 0, uniqueClicks: 0, botClicks: 0 });

      const renamed = await admin.patch(`/api/campaigns/${id}`, { name: "Summer Offers" });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      assert.equal(renamed.body.campaign.slug, "ete-offers", "links already out keep their utm_campaign");
      const again = await create(admin, { name: "Ete offers" });
      assert.equal(again.body.campaign.slug, "ete-offers-2");

      const costId = detail.body.campaign.costs[0].id;
      assert.equal((await admin.delete(`/api/campaigns/${id}/costs/${costId}`)).status, 204);
      assert.equal((await admin.get(`/api/campaigns/${id}`)).body.campaign.totalCost, "0.20");

      const audit = await admin.get("/api/audit?limit=50");
      const actions = audit.body.events.map((event: { action: string }) => event.action);
      for (const action of ["campaign.created", "campaign.updated", "campaign.cost_added", "campaign.cost_deleted"])
        assert.ok(actions.includes(action), `${action} in ${actions.join(", ")}`);
    });

    test("bad input is a 400 naming the field", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ currency: "XYZ" }, "currency"],
        [{ startsOn: "2026-09-31" }, "startsOn"],
        [{ endsOn: "2026-08-01" }, "endsOn"],
        [{ name: "  " }, "name"],
        [{ goal: { kind: "clicks", target: "10.5" } }, "goal.target"],
        [{ goal: { kind: "likes", target: "10" } }, "goal.kind"],
      ];
      for (const [body, field] of cases) {
        const answer = await create(admin, body);
        assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.field, field, JSON.stringify(answer.body));
      }
      const yen = await create(admin, { currency: "jpy" });
      assert.equal(yen.body.campaign.currency, "JPY");
      const cost = (amount: string) =>
        admin.post(`/api/campaigns/${yen.body.campaign.id}/costs`, {
          kind: "production",
          description: "Shoot",
          amount,
          incurredOn: "2026-09-03",
        });
      assert.equal((await cost("1500")).status, 201);
      const fractional = await cost("15.5");
      assert.equal(fractional.status, 400, "yen have no minor unit");
      assert.equal(fractional.body.error.field, "amount");
    });

    test("members see campaigns and put posts in them; only admins change them; guests see none", async () => {
      const created = await create(admin);
      const id = created.body.campaign.id;
      assert.equal((await member.get("/api/campaigns")).status, 200);
      assert.equal((await member.get(`/api/campaigns/${id}`)).status, 200);
      assert.equal((await create(member)).status, 403);
      assert.equal((await member.patch(`/api/campaigns/${id}`, { name: "Mine" })).status, 403);
      assert.equal((await guest.get("/api/campaigns")).status, 403);
      const draft = await member.post("/api/posts", {
        content: "In the sale",
        connectionIds: [],
        draft: true,
        campaignId: id,
      });
      assert.equal(draft.status, 201, JSON.stringify(draft.body));
      assert.equal(draft.body.post.campaignId, id);
      const listed = await member.get(`/api/posts?campaignId=${id}`);
      assert.deepEqual(
        listed.body.posts.map((post: { id: string }) => post.id),
        [draft.body.post.id],
      );
      const cleared = await member.patch(`/api/posts/${draft.body.post.id}`, { campaignId: null });
      assert.equal(cleared.body.post.campaignId, null);
      assert.equal((await admin.delete(`/api/campaigns/${id}`)).status, 204);
      assert.equal((await admin.get(`/api/campaigns/${id}`)).status, 404);
    });

    test("another organization's campaign is not found, and no post of ours joins it", async () => {
      const theirs = (await create(stranger)).body.campaign.id;
      assert.equal((await admin.get(`/api/campaigns/${theirs}`)).status, 404);
      assert.equal((await admin.patch(`/api/campaigns/${theirs}`, { name: "Taken" })).status, 404);
      assert.equal((await admin.delete(`/api/campaigns/${theirs}`)).status, 404);
      const cost = await admin.post(`/api/campaigns/${theirs}/costs`, {
        kind: "other",
        description: "x",
        amount: "1",
        incurredOn: "2026-09-01",
      });
      assert.equal(cost.status, 404);
      const post = await admin.post("/api/posts", {
        content: "Theirs?",
        connectionIds: [],
        draft: true,
        campaignId: theirs,
      });
      assert.equal(post.status, 400);
      assert.equal(post.body.error.field, "campaignId");
      assert.equal((await stranger.get(`/api/campaigns/${theirs}`)).body.campaign.name, "Autumn Sale");
    });
  });
}
