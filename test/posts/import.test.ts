import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds } from "./support.js";

/** Sends a CSV file as the import page does (multipart) or as a script would (a text/csv body). */
async function importCsv(
  client: HttpClient,
  csv: string,
  query: Record<string, string> = {},
  as: "text/csv" | "multipart" = "text/csv",
) {
  const url = new URL("/api/posts/import", client.baseUrl);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const headers: Record<string, string> = { origin: client.baseUrl.origin, cookie: `msid=${client.cookie("msid")}` };
  let body: string | FormData;
  if (as === "multipart") {
    body = new FormData();
    body.set("file", new Blob([csv], { type: "text/csv" }), "plan.csv");
  } else {
    headers["content-type"] = "text/csv";
    body = csv;
  }
  const answer = await fetch(url, { method: "POST", headers, body });
  return { status: answer.status, body: await answer.json() };
}

/** A week from now on the wall clock of Paris, as a row writes it. */
function parisTime(daysAhead: number, time: string): { local: string; utc: string } {
  const day = new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
  const local = `${day} ${time}`;
  const offset = new Intl.DateTimeFormat("en", { timeZone: "Europe/Paris", timeZoneName: "longOffset" })
    .formatToParts(new Date(`${day}T12:00:00Z`))
    .find((part) => part.type === "timeZoneName")!
    .value.replace("GMT", "");
  return { local, utc: new Date(`${day}T${time}:00${offset || "+00:00"}`).toISOString() };
}

const csvOf = (rows: string[][]) =>
  rows
    .map((row) => row.map((cell) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(","))
    .join("\n");

describe("importing posts from a CSV file", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let x: string;
  let telegram: { id: string; name: string };
  const morning = parisTime(7, "09:30");

  before(async () => {
    sandbox = await startSandbox();
    ({ app } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Import Co");
    await connectThroughConsent(client, "x", { identity: "ava" });
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    const ids = await connectionIds(client);
    x = ids.byKey("x");
    const news = ids.list.find((connection) => connection.platform === "telegram")!;
    telegram = { id: news.id, name: news.name };
  });
  after(async () => {
    await app?.stop();
    await sandbox?.close();
  });

  const postCount = async () => (await client.get("/api/posts")).body.posts.length as number;

  /** Two good rows and three refused ones, each for a different reason. */
  const mixed = () =>
    csvOf([
      ["text", "link", "media_url", "accounts", "time", "zone"],
      ["Spring menu, first look", "https://example.com/spring", "", "@ava_northwind", morning.local, "Europe/Paris"],
      ["To nobody", "", "", "@nobody_here", morning.local, "Europe/Paris"],
      [
        "With a photo",
        "",
        "http://169.254.169.254/latest/meta-data/photo.jpg",
        telegram.name,
        morning.local,
        "Europe/Paris",
      ],
      ["News for the channel", "", "", telegram.id, "2027-01-15T10:00:00+01:00", ""],
      ["x".repeat(300), "", "", "@ava_northwind", morning.local, "Europe/Paris"],
    ]);

  test("all or nothing (the default): one refused row schedules nothing, and every refused row is named", async () => {
    const before = await postCount();
    const answer = await importCsv(client, mixed());
    assert.equal(answer.status, 422, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, "import_refused");
    const report = answer.body.import;
    assert.equal(report.outcome, "refused");
    assert.equal(report.mode, "all_or_nothing");
    assert.match(report.summary, /3 of 5 rows refused: nothing was scheduled/);
    assert.deepEqual(
      report.rows.map((row: { line: number; status: string; problems: { field: string }[] }) => [
        row.line,
        row.status,
        row.problems.map((problem) => problem.field),
      ]),
      [
        [2, "not_scheduled", []],
        [3, "refused", ["accounts"]],
        [4, "refused", ["media_url"]],
        [5, "not_scheduled", []],
        [6, "refused", ["text"]],
      ],
    );
    assert.match(report.rows[1].problems[0].message, /No account is called @nobody_here/);
    assert.match(report.rows[2].problems[0].message, /public internet/);
    assert.match(report.rows[4].problems[0].message, /X takes at most 280 weighted characters/);
    assert.equal(await postCount(), before, "nothing was scheduled");
  });

  test("a dry run previews the rows and schedules nothing", async () => {
    const before = await postCount();
    const answer = await importCsv(client, mixed(), { dryRun: "true" });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.import.outcome, "preview");
    assert.equal(answer.body.import.rows[0].status, "valid");
    assert.equal(answer.body.import.rows[0].scheduledAt, morning.utc);
    assert.deepEqual(answer.body.import.rows[0].accounts, [
      { id: x, name: answer.body.import.rows[0].accounts[0].name },
    ]);
    assert.equal(await postCount(), before);
  });

  test("partial, when asked: the valid rows are scheduled and the answer says plainly it was partial", async () => {
    const before = await postCount();
    const answer = await importCsv(client, mixed(), { mode: "partial" }, "multipart");
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const report = answer.body.import;
    assert.equal(report.outcome, "partial");
    assert.match(report.summary, /^Partial import: 2 of 5 rows scheduled; 3 refused and not scheduled\.$/);
    assert.equal(report.scheduledCount, 2);
    assert.equal(report.refusedCount, 3);
    assert.deepEqual(
      report.rows
        .filter((row: { status: string }) => row.status === "refused")
        .map((row: { line: number }) => row.line),
      [3, 4, 6],
    );
    assert.equal(await postCount(), before + 2);
    const spring = await client.get(`/api/posts/${report.rows[0].postId}`);
    assert.equal(spring.body.post.content, "Spring menu, first look");
    assert.equal(spring.body.post.link, "https://example.com/spring");
    assert.equal(new Date(spring.body.post.scheduledAt).toISOString(), morning.utc);
    assert.equal(spring.body.post.targets[0].connectionId, x);
    const news = await client.get(`/api/posts/${report.rows[3].postId}`);
    assert.equal(new Date(news.body.post.scheduledAt).toISOString(), "2027-01-15T09:00:00.000Z");

    const again = await importCsv(client, mixed(), { mode: "partial" });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.error.code, "already_imported");
    assert.ok(again.body.error.message.includes(report.importId), "the refusal points to the first import");
    assert.equal(await postCount(), before + 2, "the second upload scheduled nothing");
  });

  test("rows without a time take the accounts' next posting slots, one each", async () => {
    const saved = await client.put(`/api/social-media/connections/${telegram.id}/slots`, {
      timeZone: "Europe/Paris",
      slots: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, time: "12:00" })),
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const csv = csvOf([
      ["text", "accounts", "time"],
      ["Queued one", telegram.name, ""],
      ["Queued two", telegram.name, ""],
    ]);
    const withoutQueue = await importCsv(client, csv);
    assert.equal(withoutQueue.status, 422);
    assert.equal(withoutQueue.body.import.rows[0].problems[0].field, "time");
    const answer = await importCsv(client, csv, { queue: "true" });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const [one, two] = answer.body.import.rows;
    assert.match(one.slotLocalTime, /T12:00:00\+0[12]:00$/);
    assert.equal(Date.parse(two.scheduledAt) - Date.parse(one.scheduledAt), 86_400_000, "the next day's slot");
  });

  test("a wall-clock time the clocks skip, an unknown zone and a bad file are refused by name", async () => {
    const csv = csvOf([
      ["text", "accounts", "time", "zone"],
      ["Skipped hour", telegram.id, "2027-03-28 02:30", "Europe/Paris"],
      ["Nowhere", telegram.id, "2027-03-29 09:00", "Europe/Atlantis"],
      ["No zone", telegram.id, "2027-03-29 09:00", ""],
    ]);
    const answer = await importCsv(client, csv, { dryRun: "true" });
    assert.deepEqual(
      answer.body.import.rows.map((row: { problems: { field: string }[] }) => row.problems[0]!.field),
      ["time", "zone", "zone"],
    );
    assert.match(answer.body.import.rows[0].problems[0].message, /does not exist in Europe\/Paris/);
    const unknownColumn = await importCsv(client, "text,accounts,colour\nHi,@ava_northwind,red\n");
    assert.equal(unknownColumn.status, 400);
    assert.equal(unknownColumn.body.error.field, "file");
    assert.match(unknownColumn.body.error.message, /Unknown column colour/);
    const broken = await importCsv(client, 'text,accounts\n"never closed,@ava_northwind\n');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.field, "file");
  });

  test("a guest may not import; another organization's accounts are not found by id or name", async () => {
    const guest = app.client();
    await addMember(client, guest, "GUEST");
    assert.equal((await importCsv(guest, mixed(), { dryRun: "true" })).status, 403);
    const outsider = app.client();
    await signUp(outsider);
    await createOrganization(outsider, "Elsewhere Ltd");
    const answer = await importCsv(
      outsider,
      csvOf([
        ["text", "accounts", "time"],
        ["Not mine", x, "2027-01-15T10:00:00+01:00"],
        ["Not mine either", "@ava_northwind", "2027-01-15T10:00:00+01:00"],
      ]),
    );
    assert.equal(answer.status, 422);
    assert.deepEqual(
      answer.body.import.rows.map((row: { problems: { field: string }[] }) => row.problems[0]!.field),
      ["accounts", "accounts"],
    );
  });
});
