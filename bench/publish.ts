/**
 * `npm run bench:publish`: N organizations × M accounts, K posts each due at the same instant,
 * published against the sandbox. Prints publishes per second, lateness p50/p99, and the raw
 * HTTP rate the sandbox sustains on this machine in the same run (the ratio is the figure).
 * Embedded (PGlite, one process); with TEST_DATABASE_URL also on
 * PostgreSQL with an API process and two worker processes.
 */
import { parseArgs } from "node:util";
import { HttpClient } from "../test/support/client.js";
import { startTestApp } from "../test/support/app.js";
import { createOrganization, signUp } from "../test/support/factories.js";
import { createTestDatabase } from "../test/support/postgres.js";
import { startServerProcess, waitFor } from "../test/support/process.js";
import { startSandbox, type RunningSandbox } from "../test/sandbox/support.js";
import { connectThroughConsent, newsBot, registerRedirects, sandboxEnv } from "../test/connections/support.js";

const { values } = parseArgs({
  options: { organizations: { type: "string", default: "4" }, posts: { type: "string", default: "100" } },
});
const organizations = Number(values.organizations);
const postsPerOrganization = Number(values.posts);
const LEAD_MS = 20_000;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

/** What the sandbox alone sustains: text posts over HTTP with 20 requests in flight. */
async function rawRate(sandbox: RunningSandbox, requests = 3000): Promise<number> {
  const started = performance.now();
  let next = 0;
  const url = `${sandbox.base("telegram")}/bot${newsBot}/sendMessage`;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < requests) {
        const index = next++;
        const answer = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ chat_id: "@northwind_news", text: `raw ${index}` }),
        });
        await answer.arrayBuffer();
      }
    }),
  );
  return requests / ((performance.now() - started) / 1000);
}

/** Organizations each with X (two people) and a Telegram channel; K posts each, due together. */
async function run(label: string, appUrl: URL, sandbox: RunningSandbox) {
  await registerRedirects(sandbox, appUrl);
  const clients: { client: HttpClient; accounts: string[] }[] = [];
  for (let index = 0; index < organizations; index += 1) {
    const client = new HttpClient(appUrl);
    await signUp(client);
    await createOrganization(client, `Bench ${index}`);
    await connectThroughConsent(client, "x", { identity: "ava" });
    await connectThroughConsent(client, "x", { identity: "ben" });
    const bot = await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    if (bot.status !== 201) throw new Error(`the bot did not connect: ${JSON.stringify(bot.body)}`);
    const accounts = (await client.get("/api/social-media/connections")).body.connections.map(
      (connection: { id: string }) => connection.id,
    );
    clients.push({ client, accounts });
  }
  const dueAt = new Date(Date.now() + LEAD_MS);
  const postIds: [HttpClient, string][] = [];
  for (const { client, accounts } of clients) {
    for (let index = 0; index < postsPerOrganization; index += 1) {
      const created = await client.post("/api/posts", {
        content: `${label} ${index} ${dueAt.getTime()} ${Math.random()}`,
        connectionIds: accounts,
        scheduledAt: dueAt.toISOString(),
      });
      if (created.status !== 201) throw new Error(JSON.stringify(created.body));
      postIds.push([client, created.body.post.id]);
    }
  }
  if (Date.now() > dueAt.getTime()) throw new Error("setup took longer than the lead time: use fewer posts");
  const targets = postIds.length * 3;
  const lateness: number[] = [];
  await waitFor(
    async () => {
      lateness.length = 0;
      for (const { client } of clients) {
        const posts = (await client.get("/api/posts?limit=200")).body.posts as {
          targets: { publishedAt: string | null; dueAt: string }[];
        }[];
        for (const post of posts)
          for (const target of post.targets)
            if (target.publishedAt)
              lateness.push(new Date(target.publishedAt).getTime() - new Date(target.dueAt).getTime());
      }
      return lateness.length >= targets ? true : undefined;
    },
    300_000,
    `${targets} publications`,
  );
  lateness.sort((a, b) => a - b);
  const span = Math.max(lateness.at(-1)!, 1) / 1000;
  return { targets, perSecond: targets / span, p50: percentile(lateness, 0.5), p99: percentile(lateness, 0.99) };
}

function report(label: string, result: Awaited<ReturnType<typeof run>>, raw: number) {
  console.log(
    `${label.padEnd(32)} ${organizations} orgs × 3 accounts × ${postsPerOrganization} posts = ${result.targets} publications: ` +
      `${result.perSecond.toFixed(0)}/s, lateness p50 ${result.p50} ms, p99 ${result.p99} ms; sandbox raw ${raw.toFixed(0)} req/s (ratio ${(result.perSecond / raw).toFixed(3)})`,
  );
}

const limits = {
  xPostsPer15MinutesPerUser: 1_000_000,
  xPostsPerDayPerApp: 1_000_000,
  telegramMessagesPerMinutePerChat: 1_000_000,
  telegramMessagesPerSecondPerBot: 1_000_000,
};

{
  const sandbox = await startSandbox({ limits });
  const raw = await rawRate(sandbox);
  const app = await startTestApp({ env: { ...sandboxEnv(sandbox), LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "100000" } });
  try {
    report("embedded (PGlite, one process)", await run("embedded", app.url, sandbox), raw);
  } finally {
    await app.stop();
    await sandbox.close();
  }
}

if (process.env.TEST_DATABASE_URL) {
  const database = await createTestDatabase();
  const sandbox = await startSandbox({ limits });
  const raw = await rawRate(sandbox);
  const env = {
    ...sandboxEnv(sandbox),
    DATABASE_URL: database.url,
    HOST: "127.0.0.1",
    PORT: "0",
    FIELD_ENCRYPTION_KEY: "ef".repeat(32),
    LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "100000",
  };
  const processes = [
    startServerProcess(["--role", "api"], env),
    startServerProcess(["--role", "worker"], env),
    startServerProcess(["--role", "worker"], env),
  ];
  try {
    report("PostgreSQL, API + 2 workers", await run("postgres", await processes[0]!.url, sandbox), raw);
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await sandbox.close();
    await database.drop();
  }
} else {
  console.log("PostgreSQL run skipped: set TEST_DATABASE_URL (bash .ci/postgres prints one)");
}
