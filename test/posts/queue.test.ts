import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AdjustableClock } from "../../src/clock.js";
import { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds } from "./support.js";

const weekdays = (times: string[]) => [1, 2, 3, 4, 5].flatMap((weekday) => times.map((time) => ({ weekday, time })));

/**
 * Posting slots are wall-clock times in a zone. Paris moves to summer time on Sunday 28 March
 * 2027: a Friday-afternoon "add to queue" lands on Monday 09:00 Paris, which is 07:00 UTC, not
 * the 08:00 UTC a fixed offset would give.
 */
describe("posting slots and add to queue", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let clock: AdjustableClock;
  let admin: HttpClient;
  let member: HttpClient;
  let guest: HttpClient;
  let outsider: HttpClient;
  let x: string;
  let telegram: string;

  before(async () => {
    sandbox = await startSandbox();
    ({ app, clock } = await startAppWithSandbox({ sandbox }));
    // Before anyone signs in, so sessions start then. Friday 26 March 2027, 16:00 in Paris
    // (still winter time, UTC+1): the day's slots are past.
    clock.advance(Date.parse("2027-03-26T15:00:00Z") - clock.now());
    admin = app.client();
    await signUp(admin);
    await createOrganization(admin, "Queue Co");
    await connectThroughConsent(admin, "x", { identity: "ava" });
    await admin.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    const ids = await connectionIds(admin);
    x = ids.byKey("x");
    telegram = ids.byKey("telegram");
    member = app.client();
    await addMember(admin, member, "USER");
    guest = app.client();
    await addMember(admin, guest, "GUEST");
    outsider = app.client();
    await signUp(outsider);
    await createOrganization(outsider, "Elsewhere Ltd");
  });
  after(async () => {
    await app?.stop();
    await sandbox?.close();
  });

  test("an account has no slots until an administrator sets them; a member reads them", async () => {
    const before = await member.get(`/api/social-media/connections/${x}/slots`);
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.deepEqual(before.body.schedule, { timeZone: "UTC", slots: [], updatedAt: null });

    const saved = await admin.put(`/api/social-media/connections/${x}/slots`, {
      timeZone: "Europe/Paris",
      slots: weekdays(["15:00", "09:00"]),
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.schedule.slots.length, 10);
    assert.deepEqual(saved.body.schedule.slots.slice(0, 2), [
      { weekday: 1, time: "09:00" },
      { weekday: 1, time: "15:00" },
    ]);
    const read = await member.get(`/api/social-media/connections/${x}/slots`);
    assert.equal(read.body.schedule.timeZone, "Europe/Paris");
    assert.equal(read.body.schedule.slots.length, 10);

    const audit = await admin.get("/api/audit?action=connection.slots_changed");
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.equal(JSON.stringify(audit.body).includes(x), true, "the change is in the audit log");
  });

  test("a member cannot change slots; a guest cannot read them", async () => {
    const changed = await member.put(`/api/social-media/connections/${x}/slots`, { timeZone: "UTC", slots: [] });
    assert.equal(changed.status, 403, JSON.stringify(changed.body));
    const read = await guest.get(`/api/social-media/connections/${x}/slots`);
    assert.equal(read.status, 403, JSON.stringify(read.body));
    assert.equal((await member.get(`/api/social-media/connections/${x}/slots`)).body.schedule.slots.length, 10);
  });

  test("another organization's account is not found, to read or to change", async () => {
    assert.equal((await outsider.get(`/api/social-media/connections/${x}/slots`)).status, 404);
    const changed = await outsider.put(`/api/social-media/connections/${x}/slots`, { timeZone: "UTC", slots: [] });
    assert.equal(changed.status, 404, JSON.stringify(changed.body));
    assert.equal((await admin.get(`/api/social-media/connections/${x}/slots`)).body.schedule.slots.length, 10);
  });

  test("a zone, a time or a count that is not right is refused with its field named", async () => {
    const put = (body: unknown) => admin.put(`/api/social-media/connections/${telegram}/slots`, body);
    const zone = await put({ timeZone: "Mars/Olympus_Mons", slots: [] });
    assert.equal(zone.status, 400);
    assert.equal(zone.body.error.field, "timeZone");
    const offset = await put({ timeZone: "+01:00", slots: [] });
    assert.equal(offset.body.error.field, "timeZone");
    const time = await put({ timeZone: "UTC", slots: [{ weekday: 1, time: "9:00" }] });
    assert.equal(time.status, 400);
    assert.equal(time.body.error.field, "slots.0.time");
    const day = await put({ timeZone: "UTC", slots: [{ weekday: 8, time: "09:00" }] });
    assert.equal(day.body.error.field, "slots.0.weekday");
    const many = await put({
      timeZone: "UTC",
      slots: Array.from({ length: 51 }, (_, index) => ({
        weekday: (index % 7) + 1,
        time: `${String(Math.floor(index / 7)).padStart(2, "0")}:00`,
      })),
    });
    assert.equal(many.status, 400);
    assert.equal(many.body.error.field, "slots");
    const twice = await put({
      timeZone: "UTC",
      slots: [
        { weekday: 2, time: "10:00" },
        { weekday: 2, time: "10:00" },
      ],
    });
    assert.equal(twice.status, 400);
    assert.equal(twice.body.error.field, "slots.1");
  });

  test("add to queue takes Monday 09:00 Paris across the change to summer time, then the next free slot", async () => {
    const first = await member.post("/api/posts", { content: "Monday coffee", connectionIds: [x], queue: true });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.slot.scheduledAt, "2027-03-29T07:00:00.000Z");
    assert.equal(first.body.slot.localTime, "2027-03-29T09:00:00+02:00");
    assert.equal(first.body.slot.timeZone, "Europe/Paris");
    assert.equal(first.body.post.status, "scheduled");
    assert.equal(new Date(first.body.post.scheduledAt).toISOString(), "2027-03-29T07:00:00.000Z");

    const second = await member.post("/api/posts", { content: "Monday tea", connectionIds: [x], queue: true });
    assert.equal(second.body.slot.localTime, "2027-03-29T15:00:00+02:00");
  });

  test("a post scheduled by hand at a slot's time holds it, a draft does not; queueing skips only the first", async () => {
    const byHand = await member.post("/api/posts", {
      content: "Tuesday launch",
      connectionIds: [x],
      scheduledAt: "2027-03-30T09:00:00+02:00",
    });
    assert.equal(byHand.status, 201, JSON.stringify(byHand.body));
    const draft = await member.post("/api/posts", {
      content: "Only an idea",
      connectionIds: [x],
      scheduledAt: "2027-03-30T15:00:00+02:00",
      draft: true,
    });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    const queued = await member.post("/api/posts", { content: "After the launch", connectionIds: [x], queue: true });
    assert.equal(queued.body.slot.localTime, "2027-03-30T15:00:00+02:00");
  });

  test("for several accounts, the next slot both have and neither holds", async () => {
    const saved = await admin.put(`/api/social-media/connections/${telegram}/slots`, {
      timeZone: "Europe/London",
      // 14:00 London is 15:00 Paris all year: the two accounts share their afternoon slots.
      slots: weekdays(["14:00"]),
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const both = await member.post("/api/posts", {
      content: "To both",
      connectionIds: [x, telegram],
      queue: true,
    });
    assert.equal(both.status, 201, JSON.stringify(both.body));
    // Monday and Tuesday afternoons are held on X; Wednesday's is free on both.
    assert.equal(both.body.slot.scheduledAt, "2027-03-31T13:00:00.000Z");
    assert.equal(both.body.slot.localTime, "2027-03-31T15:00:00+02:00");
  });

  test("queue and a time together, or an account without slots, are refused naming queue", async () => {
    const together = await member.post("/api/posts", {
      content: "Both ways",
      connectionIds: [x],
      queue: true,
      scheduledAt: "2027-04-01T09:00:00+02:00",
    });
    assert.equal(together.status, 400);
    assert.equal(together.body.error.field, "queue");
    await admin.put(`/api/social-media/connections/${telegram}/slots`, { timeZone: "UTC", slots: [] });
    const none = await member.post("/api/posts", { content: "Nowhere", connectionIds: [telegram], queue: true });
    assert.equal(none.status, 400);
    assert.equal(none.body.error.field, "queue");
    assert.match(none.body.error.message, /no posting slots/);
  });
});
