import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AdjustableClock } from "../../src/clock.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { json, publishedCount, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { startAppWithSandbox, type TestApp } from "../connections/support.js";
import { backends } from "../support/postgres.js";
import { connectEveryPlatform, jpegOf, settled, upload } from "./support.js";

for (const backend of backends) {
  describe(
    `a post's lifecycle on ${backend.name}: edit, reschedule, versions, drafts, approval`,
    { skip: backend.skip },
    () => {
      let app: TestApp;
      let sandbox: RunningSandbox;
      let client: HttpClient;
      let ids: Awaited<ReturnType<typeof connectEveryPlatform>>;
      let clock: AdjustableClock;
      let passTime: (milliseconds: number) => Promise<void>;

      before(async () => {
        sandbox = await startSandbox();
        ({ app, clock, passTime } = await startAppWithSandbox({ sandbox, backend }));
        client = app.client();
        await signUp(client);
        await createOrganization(client, "Lifecycle Co");
        ids = await connectEveryPlatform(client);
      });
      after(async () => {
        await app.stop();
        await sandbox.close();
      });

      const inHours = (hours: number) => new Date(clock.now() + hours * 3_600_000).toISOString();

      test("a reschedule naming only scheduledAt keeps the text, link, media and options", async () => {
        const image = await upload(client, { name: "menu.jpg", type: "image/jpeg", body: jpegOf(1080, 1080) });
        const created = await client.post("/api/posts", {
          content: "Spring menu tasting on Saturday",
          link: "https://northwind.example/spring",
          mediaIds: [image.id],
          options: { x: { threadParts: ["Booking link in our bio"] } },
          connectionIds: [ids.byKey("facebook"), ids.byKey("x")],
          scheduledAt: inHours(2),
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const later = inHours(5);
        const moved = await client.patch(`/api/posts/${created.body.post.id}`, { scheduledAt: later });
        assert.equal(moved.status, 200, JSON.stringify(moved.body));
        const post = (await client.get(`/api/posts/${created.body.post.id}`)).body.post;
        assert.equal(new Date(post.scheduledAt).toISOString(), later);
        assert.equal(post.content, "Spring menu tasting on Saturday");
        assert.equal(post.link, "https://northwind.example/spring");
        assert.deepEqual(
          post.media.map((item: { id: string }) => item.id),
          [image.id],
        );
        assert.deepEqual(post.options, { x: { threadParts: ["Booking link in our bio"] } });
        for (const target of post.targets) assert.equal(new Date(target.dueAt).toISOString(), later);
      });

      const compose = async (body: Record<string, unknown>) => {
        const created = await client.post("/api/posts", body);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        return created.body.post as { id: string; status: string; targets: { id: string; platform: string }[] };
      };
      const edit = (id: string, body: Record<string, unknown>, as = client) => as.patch(`/api/posts/${id}`, body);
      const view = async (id: string, as = client) => (await as.get(`/api/posts/${id}`)).body.post;
      const sentTexts = async (platform: string) =>
        (
          (await json(await fetch(`${sandbox.url}_sandbox/published?platform=${platform}`))).items as { text: string }[]
        ).map((item) => item.text);

      test("an edit changes only the fields it names; null clears the link", async () => {
        const post = await compose({
          content: "Opening hours change on Monday",
          link: "https://northwind.example/hours",
          connectionIds: [ids.byKey("telegram")],
          scheduledAt: inHours(3),
        });
        const edited = await edit(post.id, { content: "Opening hours change on Tuesday" });
        assert.equal(edited.status, 200, JSON.stringify(edited.body));
        assert.equal(edited.body.post.content, "Opening hours change on Tuesday");
        assert.equal(edited.body.post.link, "https://northwind.example/hours");
        const cleared = await edit(post.id, { link: null });
        assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
        assert.equal(cleared.body.post.link, null);
        assert.equal(cleared.body.post.content, "Opening hours change on Tuesday");
        assert.equal(cleared.body.post.status, "scheduled");
      });

      test("each refusal names its field, down to the version that breaks a platform's rule", async () => {
        const post = await compose({
          content: "Short and fine",
          connectionIds: [ids.byKey("x"), ids.byKey("telegram")],
          scheduledAt: inHours(3),
        });
        const tooLong = "a".repeat(300);
        const shared = await edit(post.id, { content: tooLong });
        assert.equal(shared.status, 400);
        assert.equal(shared.body.error.field, "content");
        const platformVersion = await edit(post.id, { versions: { platforms: { x: { content: tooLong } } } });
        assert.equal(platformVersion.status, 400);
        assert.equal(platformVersion.body.error.field, "versions.platforms.x.content");
        const accountVersion = await edit(post.id, {
          versions: { accounts: { [ids.byKey("x")]: { content: tooLong } } },
        });
        assert.equal(accountVersion.status, 400);
        assert.equal(accountVersion.body.error.field, `versions.accounts.${ids.byKey("x")}.content`);
        const badTime = await edit(post.id, { scheduledAt: "next Tuesday" });
        assert.equal(badTime.status, 400);
        assert.equal(badTime.body.error.field, "scheduledAt");
        const past = await edit(post.id, { scheduledAt: new Date(clock.now() - 3_600_000).toISOString() });
        assert.equal(past.status, 400);
        assert.equal(past.body.error.field, "scheduledAt");
        // The long text fits Telegram: only X's version had to be short.
        const fitting = await edit(post.id, {
          content: tooLong,
          versions: { platforms: { x: { content: "Short for X" } } },
        });
        assert.equal(fitting.status, 200, JSON.stringify(fitting.body));
        const byPlatform = Object.fromEntries(
          fitting.body.post.targets.map((target: { platform: string; resolved: { content: string } }) => [
            target.platform,
            target.resolved.content,
          ]),
        );
        assert.deepEqual(byPlatform, { x: "Short for X", telegram: tooLong });
      });

      test("accounts added and removed before the post starts: only the chosen ones are sent it", async () => {
        const text = `Accounts swapped ${clock.now()}`;
        const post = await compose({ content: text, connectionIds: [ids.byKey("x")], scheduledAt: inHours(1) });
        const edited = await edit(post.id, { connectionIds: [ids.byKey("telegram"), ids.byKey("linkedin")] });
        assert.equal(edited.status, 200, JSON.stringify(edited.body));
        assert.deepEqual(edited.body.post.targets.map((target: { platform: string }) => target.platform).sort(), [
          "linkedin",
          "telegram",
        ]);
        await passTime(3_600_000);
        const done = await settled(client, post.id);
        assert.equal(done.status, "published", JSON.stringify(done.targets));
        assert.equal(await publishedCount(sandbox, "telegram", text), 1);
        assert.equal(await publishedCount(sandbox, "x", text), 0);
      });

      test("per-network versions: each account is sent its own text, and the read-back is of that text", async () => {
        const shared = `Shared words ${clock.now()}`;
        const forTelegram = `Telegram's own words ${clock.now()}`;
        const post = await compose({
          content: shared,
          versions: { platforms: { telegram: { content: forTelegram } } },
          connectionIds: [ids.byKey("telegram"), ids.byKey("linkedin")],
        });
        const done = await settled(client, post.id);
        assert.equal(done.status, "published", JSON.stringify(done.targets));
        assert.deepEqual(done.versions, { platforms: { telegram: { content: forTelegram } } });
        assert.ok((await sentTexts("telegram")).includes(forTelegram));
        assert.equal(await publishedCount(sandbox, "linkedin", shared), 1);
        assert.equal(await publishedCount(sandbox, "linkedin", forTelegram), 0);
      });

      test("a lost answer is reconciled against the account's own version, and the post is not sent twice", async () => {
        const forX = `X's own words, answer lost ${clock.now()}`;
        const armed = await fetch(`${sandbox.url}_sandbox/faults`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ prefix: "x", method: "POST", path: "/2/tweets", mode: "drop" }),
        });
        assert.equal(armed.status, 201);
        const post = await compose({
          content: `Shared words, answer lost ${clock.now()}`,
          versions: { accounts: { [ids.byKey("x")]: { content: forX } } },
          connectionIds: [ids.byKey("x")],
        });
        const done = await settled(client, post.id, 30_000);
        assert.equal(done.targets[0].state, "published", done.targets[0].error);
        assert.equal(done.targets[0].sent.content, forX);
        assert.equal(await publishedCount(sandbox, "x", forX), 1);
      });

      test("X's duplicate refusal is fixed by editing that account's text and retrying", async () => {
        const text = `Said twice ${clock.now()}`;
        await settled(client, (await compose({ content: text, connectionIds: [ids.byKey("x")] })).id);
        const second = await compose({ content: text, connectionIds: [ids.byKey("x"), ids.byKey("telegram")] });
        const failed = await settled(client, second.id);
        const xTarget = failed.targets.find((target: { platform: string }) => target.platform === "x");
        assert.equal(xTarget.state, "failed");
        assert.equal(xTarget.editable, true);
        // Telegram has it already: the shared text can no longer change, the X account's can.
        const shared = await edit(second.id, { content: `${text}, again` });
        assert.equal(shared.status, 409, JSON.stringify(shared.body));
        const fixed = await edit(second.id, {
          versions: { accounts: { [ids.byKey("x")]: { content: `${text}, again` } } },
        });
        assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
        const retried = await client.post(`/api/posts/${second.id}/targets/${xTarget.id}/retry`);
        assert.equal(retried.status, 200, JSON.stringify(retried.body));
        const done = await settled(client, second.id);
        assert.equal(done.status, "published", JSON.stringify(done.targets));
        assert.equal(await publishedCount(sandbox, "x", `${text}, again`), 1);
        assert.equal(await publishedCount(sandbox, "x", text), 1);
      });

      test("an unconfirmed account's edited text is sent only after a person says the first did not go out", async () => {
        const text = `Maybe arrived ${clock.now()}`;
        const armed = await fetch(`${sandbox.url}_sandbox/faults`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ prefix: "telegram", path: "/sendMessage", mode: "drop" }),
        });
        assert.equal(armed.status, 201);
        const post = await compose({ content: text, connectionIds: [ids.byKey("telegram")] });
        const unknown = (await settled(client, post.id)).targets[0];
        assert.equal(unknown.state, "unknown");
        const edited = await edit(post.id, { content: `${text}, edited` });
        assert.equal(edited.status, 200, JSON.stringify(edited.body));
        const retried = await client.post(`/api/posts/${post.id}/targets/${unknown.id}/retry`);
        assert.equal(retried.status, 409);
        assert.equal(retried.body.error.code, "confirm_not_posted");
        const resolved = await client.post(`/api/posts/${post.id}/targets/${unknown.id}/resolve`, {
          outcome: "post_again",
        });
        assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
        const done = await settled(client, post.id);
        assert.equal(done.targets[0].state, "published", done.targets[0].error);
        assert.equal(done.targets[0].sent.content, `${text}, edited`);
        assert.equal(await publishedCount(sandbox, "telegram", `${text}, edited`), 1);
      });

      test("a draft is saved with warnings and no jobs, and scheduled by an edit", async () => {
        const saved = await client.post("/api/posts", {
          content: "",
          connectionIds: [ids.byKey("instagram")],
          scheduledAt: inHours(1),
          draft: true,
        });
        assert.equal(saved.status, 201, JSON.stringify(saved.body));
        assert.equal(saved.body.post.status, "draft");
        assert.ok(saved.body.warnings.some((warning: { field: string }) => warning.field === "mediaIds"));
        const empty = await client.post("/api/posts", { content: "Accounts later", connectionIds: [], draft: true });
        assert.equal(empty.status, 201, JSON.stringify(empty.body));
        await passTime(2 * 3_600_000);
        const waiting = await view(saved.body.post.id);
        assert.equal(waiting.status, "draft");
        assert.equal(waiting.targets[0].state, "queued");
        assert.equal(waiting.targets[0].attempts, 0);

        const stillInvalid = await edit(saved.body.post.id, { draft: false, scheduledAt: inHours(1) });
        assert.equal(stillInvalid.status, 400);
        assert.equal(stillInvalid.body.error.field, "content");
        assert.match(stillInvalid.body.error.message, /needs an image or a video/);
        const text = `Drafted then scheduled ${clock.now()}`;
        const draft = await compose({
          content: text,
          connectionIds: [ids.byKey("telegram")],
          scheduledAt: inHours(1),
          draft: true,
        });
        await passTime(2 * 3_600_000);
        const pastTime = await edit(draft.id, { draft: false });
        assert.equal(pastTime.status, 400);
        assert.equal(pastTime.body.error.field, "scheduledAt");
        const scheduled = await edit(draft.id, { draft: false, scheduledAt: inHours(1) });
        assert.equal(scheduled.status, 200, JSON.stringify(scheduled.body));
        assert.equal(scheduled.body.post.status, "scheduled");
        await passTime(3_600_000);
        assert.equal((await settled(client, draft.id)).status, "published");
        assert.equal(await publishedCount(sandbox, "telegram", text), 1);
      });

      test("the zone a post was scheduled in is stored, answered and changed by an edit; a zone Intl does not know is refused", async () => {
        const created = await client.post("/api/posts", {
          content: "Wine and cheese evening",
          connectionIds: [ids.byKey("telegram")],
          scheduledAt: inHours(4),
          timeZone: "Europe/Paris",
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.post.timeZone, "Europe/Paris");
        const postId = created.body.post.id as string;
        assert.equal((await client.get(`/api/posts/${postId}`)).body.post.timeZone, "Europe/Paris");

        const moved = await client.patch(`/api/posts/${postId}`, { timeZone: "America/New_York" });
        assert.equal(moved.status, 200, JSON.stringify(moved.body));
        assert.equal((await client.get(`/api/posts/${postId}`)).body.post.timeZone, "America/New_York");
        const cleared = await client.patch(`/api/posts/${postId}`, { timeZone: null });
        assert.equal(cleared.body.post.timeZone, null);

        for (const refused of [
          await client.post("/api/posts", {
            content: "Wine and cheese evening",
            connectionIds: [ids.byKey("telegram")],
            scheduledAt: inHours(4),
            timeZone: "Mars/Olympus_Mons",
          }),
          await client.patch(`/api/posts/${postId}`, { timeZone: "Mars/Olympus_Mons" }),
        ]) {
          assert.equal(refused.status, 400, JSON.stringify(refused.body));
          assert.equal(refused.body.error.field, "timeZone");
        }
        // Nothing later in this file expects it to go out.
        assert.equal((await client.delete(`/api/posts/${postId}`)).status, 204);
      });

      describe("approval and ownership", () => {
        let member: HttpClient;
        let otherMember: HttpClient;

        before(async () => {
          member = app.client();
          otherMember = app.client();
          await addMember(client, member, "USER");
          await addMember(client, otherMember, "USER");
        });

        test("a member edits, cancels and retries only their own posts; an admin anyone's", async () => {
          const adminPost = await compose({
            content: "The admin's",
            connectionIds: [ids.byKey("telegram")],
            scheduledAt: inHours(4),
          });
          const cancel = await member.delete(`/api/posts/${adminPost.id}`);
          assert.equal(cancel.status, 403);
          assert.equal(cancel.body.error.code, "not_your_post");
          assert.equal((await edit(adminPost.id, { content: "Taken over" }, member)).status, 403);
          const memberPost = await member.post("/api/posts", {
            content: "The member's",
            connectionIds: [ids.byKey("telegram")],
            scheduledAt: inHours(4),
          });
          assert.equal(memberPost.status, 201, JSON.stringify(memberPost.body));
          const id = memberPost.body.post.id;
          assert.equal((await edit(id, { content: "Not yours either" }, otherMember)).status, 403);
          assert.equal((await edit(id, { content: "The member's, edited" }, member)).status, 200);
          assert.equal((await edit(id, { content: "The member's, edited by an admin" })).status, 200);
          assert.equal((await otherMember.delete(`/api/posts/${id}`)).status, 403);
          assert.equal((await member.delete(`/api/posts/${id}`)).status, 204);
          assert.equal((await client.delete(`/api/posts/${adminPost.id}`)).status, 204);
        });

        test("where approval is required, a member submits; an admin sends back with a comment, then approves", async () => {
          assert.equal((await member.patch("/api/organization", { requireApproval: true })).status, 403);
          const setting = await client.patch("/api/organization", { requireApproval: true });
          assert.equal(setting.status, 200, JSON.stringify(setting.body));
          assert.equal((await client.get("/api/organization")).body.organization.requireApproval, true);

          const text = `Approved at last ${clock.now()}`;
          const direct = await member.post("/api/posts", { content: text, connectionIds: [ids.byKey("telegram")] });
          assert.equal(direct.status, 403);
          assert.equal(direct.body.error.code, "approval_required");
          const drafted = await member.post("/api/posts", {
            content: text,
            connectionIds: [ids.byKey("telegram")],
            scheduledAt: inHours(1),
            draft: true,
          });
          assert.equal(drafted.status, 201, JSON.stringify(drafted.body));
          const id = drafted.body.post.id;
          assert.equal((await edit(id, { draft: false }, member)).status, 403);
          assert.equal((await otherMember.post(`/api/posts/${id}/submit`)).status, 403);
          const submitted = await member.post(`/api/posts/${id}/submit`);
          assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
          assert.equal(submitted.body.post.status, "awaiting_approval");
          const queue = (await client.get("/api/posts?status=awaiting_approval")).body.posts as { id: string }[];
          assert.deepEqual(
            queue.map((post) => post.id),
            [id],
          );
          assert.equal((await member.post(`/api/posts/${id}/approve`, {})).status, 403);

          const sentBack = await client.post(`/api/posts/${id}/send-back`, { comment: "Name the day, please." });
          assert.equal(sentBack.status, 200, JSON.stringify(sentBack.body));
          assert.equal(sentBack.body.post.status, "draft");
          assert.equal((await view(id, member)).reviewComment, "Name the day, please.");
          assert.equal((await member.post(`/api/posts/${id}/submit`)).status, 200);

          await passTime(2 * 3_600_000);
          const late = await client.post(`/api/posts/${id}/approve`, {});
          assert.equal(late.status, 400);
          assert.equal(late.body.error.field, "scheduledAt");
          assert.match(late.body.error.message, /choose a new time/);
          const approved = await client.post(`/api/posts/${id}/approve`, { scheduledAt: inHours(1) });
          assert.equal(approved.status, 200, JSON.stringify(approved.body));
          assert.equal(approved.body.post.status, "scheduled");
          assert.equal(approved.body.post.reviewComment, null);
          // A member's change to what an approved post says is approved again; its time is kept.
          const changed = await edit(id, { content: `${text}, reworded` }, member);
          assert.equal(changed.status, 200, JSON.stringify(changed.body));
          assert.equal(changed.body.post.status, "awaiting_approval");
          const reapproved = await client.post(`/api/posts/${id}/approve`, {});
          assert.equal(reapproved.status, 200, JSON.stringify(reapproved.body));
          assert.equal(reapproved.body.post.status, "scheduled");
          await passTime(3_600_000);
          assert.equal((await settled(client, id)).status, "published");
          assert.equal(await publishedCount(sandbox, "telegram", `${text}, reworded`), 1);

          // An admin's own post needs no approval.
          const own = await client.post("/api/posts", {
            content: "The admin's own",
            connectionIds: [ids.byKey("telegram")],
            scheduledAt: inHours(2),
          });
          assert.equal(own.status, 201, JSON.stringify(own.body));
          assert.equal(own.body.post.status, "scheduled");

          const audit = (await client.get("/api/audit?action=post.")).body.events as {
            action: string;
            targetId: string | null;
          }[];
          const steps = audit.filter((event) => event.targetId === id).map((event) => event.action);
          for (const action of ["post.submitted", "post.sent_back", "post.approved"])
            assert.ok(steps.includes(action), action);
          assert.equal((await client.patch("/api/organization", { requireApproval: false })).status, 200);
        });
      });
    },
  );
}
