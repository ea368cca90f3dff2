import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PublishedItem } from "../../sandbox/state.js";
import { checkTargets, type TargetOutcome } from "./invariants.js";

const startedAt = 1_000_000;
const account = "1500000000000000001";

function target(overrides: Partial<TargetOutcome> = {}): TargetOutcome {
  return {
    id: "t1",
    postId: "p1",
    organization: 0,
    platform: "x",
    marker: "chaos-a-1",
    cancelled: false,
    sandboxAccount: account,
    state: "published",
    remoteId: "101",
    error: null,
    attempts: 1,
    dueAt: startedAt,
    updatedAt: startedAt + 5_000,
    threadParts: [],
    mediaCount: 0,
    ...overrides,
  };
}

function item(overrides: Partial<PublishedItem> = {}): PublishedItem {
  return {
    platform: "x",
    accountId: account,
    id: "101",
    kind: "post",
    createdAt: startedAt + 1_000,
    url: "https://x.com/ava/status/101",
    text: "Roastery note chaos-a-1: decaf is back",
    media: [],
    extra: {},
    ...overrides,
  };
}

const kinds = (outcomes: TargetOutcome[], items: PublishedItem[], supersededMarkers: string[] = []) =>
  checkTargets({
    outcomes,
    items,
    markerPrefix: "chaos-a-",
    accounts: new Set([`x|${account}`, "telegram|@northwind_news"]),
    supersededMarkers: new Set(supersededMarkers),
    runStartedAt: startedAt,
  }).map((violation) => violation.kind);

describe("the chaos test's judge: each target against the platform's record", () => {
  test("a target published once, as it says, is fine", () => {
    assert.deepEqual(kinds([target()], [item()]), []);
  });

  test("published, but the platform has no such post", () => {
    assert.deepEqual(kinds([target()], []), ["published-but-absent"]);
  });

  test("a second copy of the text on the account is a duplicate", () => {
    assert.deepEqual(kinds([target()], [item(), item({ id: "102" })]), ["duplicate"]);
  });

  test("failed, yet the post is there", () => {
    assert.deepEqual(kinds([target({ state: "failed", remoteId: null, error: "X said no" })], [item()]), [
      "failed-but-present",
    ]);
  });

  test("failed says why", () => {
    assert.deepEqual(kinds([target({ state: "failed", remoteId: null, error: null })], []), ["failed-without-reason"]);
  });

  test("unknown and there: fine only when the reason says it may have landed", () => {
    const landed = "Telegram cannot be asked whether the post arrived. Check the account.";
    assert.deepEqual(kinds([target({ state: "unknown", remoteId: null, error: landed })], [item()]), []);
    assert.deepEqual(kinds([target({ state: "unknown", remoteId: null, error: "Rate limited." })], [item()]), [
      "unknown-present-unsaid",
    ]);
  });

  test("two targets claiming one post, and one claiming another post's id", () => {
    const twin = target({ id: "t2", marker: "chaos-a-2" });
    assert.deepEqual(kinds([target(), twin], [item()]), ["published-wrong-post", "claimed-twice"]);
  });

  test("still queued or publishing when the drain ends is lost", () => {
    assert.deepEqual(kinds([target({ state: "publishing", remoteId: null })], []), ["unsettled"]);
  });

  test("cancelled, yet published", () => {
    const cancelled = target({ state: "cancelled", remoteId: null, cancelled: true });
    assert.deepEqual(kinds([cancelled], [item()]), ["cancelled-but-present"]);
  });

  test("the text an edit replaced reached the platform", () => {
    const edited = target({ marker: "chaos-a-100001", remoteId: "102" });
    const items = [item(), item({ id: "102", text: "Roastery note chaos-a-100001: decaf" })];
    assert.deepEqual(kinds([edited], items, ["chaos-a-1"]), ["edit-ignored"]);
  });

  test("published without its media, or before its time", () => {
    assert.deepEqual(kinds([target({ mediaCount: 1 })], [item()]), ["content-altered"]);
    assert.deepEqual(kinds([target({ dueAt: startedAt + 5_000 })], [item()]), ["published-early"]);
  });

  test("a Telegram album counts one message per photo; its other messages are not duplicates", () => {
    const album = (id: string) =>
      item({
        platform: "telegram",
        accountId: "@northwind_news",
        id,
        media: [{ type: "photo" }],
        extra: { mediaGroupId: "g1" },
      });
    const posted = target({ platform: "telegram", sandboxAccount: "@northwind_news", remoteId: "7", mediaCount: 3 });
    assert.deepEqual(kinds([posted], [album("7"), album("8"), album("9")]), []);
  });

  test("an X thread: each part once, each replying to the one before", () => {
    const thread = target({ threadParts: ["chaos-a-1 2/3", "chaos-a-1 3/3"] });
    const head = item();
    const second = item({ id: "102", kind: "reply", text: "chaos-a-1 2/3", parentId: "101" });
    const third = item({ id: "103", kind: "reply", text: "chaos-a-1 3/3", parentId: "102" });
    assert.deepEqual(kinds([thread], [head, second, third]), []);
    assert.deepEqual(kinds([thread], [head, second]), ["thread-broken"]);
    assert.deepEqual(kinds([thread], [head, second, { ...third, parentId: "101" }]), ["thread-broken"]);
    assert.deepEqual(kinds([thread], [head, second, { ...second, id: "104" }, third]), ["duplicate"]);
  });

  test("posts on accounts outside the run, or from before it, are not judged", () => {
    assert.deepEqual(kinds([], [item({ accountId: "someone-else" }), item({ createdAt: startedAt - 1 })]), []);
  });
});
