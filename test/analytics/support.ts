import assert from "node:assert/strict";
import type { HttpClient } from "../support/client.js";
import { waitFor } from "../support/process.js";
import { consent, json, type RunningSandbox } from "../sandbox/support.js";
import { startAppWithSandbox } from "../connections/support.js";
import { createOrganization, signUp } from "../support/factories.js";

export interface TargetMetrics {
  targetId: string;
  connectionId: string;
  platform: string;
  remoteId: string;
  metrics: Record<string, number | null>;
  interactions: number | null;
  fetchedAt: string | null;
  nextCollectionAt: string | null;
  lastError: string | null;
  unavailable: { metric: string; reason: string; message: string; reconnectFor: string | null }[];
  history: { metric: string; value: number; fetchedAt: string }[];
}

export async function postMetrics(client: HttpClient, postId: string): Promise<TargetMetrics[]> {
  const answer = await client.get(`/api/analytics/posts/${postId}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.targets;
}

/** Waits until every account of each post has been read at or after a time (by the app's clock). */
export async function readSince(client: HttpClient, postIds: string[], since: number, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const all = (await Promise.all(postIds.map((id) => postMetrics(client, id)))).flat();
      return all.every((target) => target.fetchedAt && Date.parse(target.fetchedAt) >= since) ? all : undefined;
    },
    timeoutMs,
    "the posts' metrics to be read",
  );
}

/** The sandbox's journal of calls to a platform whose path contains a string. */
export async function journal(sandbox: RunningSandbox, prefix: string, path: string) {
  const answer = await json(
    await fetch(`${sandbox.url}_sandbox/journal?prefix=${prefix}&path=${encodeURIComponent(path)}`),
  );
  return answer.entries as { path: string; method: string; status: number; at: number }[];
}

/** The sandbox's time, which its values are computed at. */
export async function sandboxNow(sandbox: RunningSandbox): Promise<number> {
  return Date.parse((await json(await fetch(`${sandbox.url}_sandbox/clock`))).now);
}

/** What the sandbox has published on a platform, with the time each was made. */
export async function published(sandbox: RunningSandbox, platform: string) {
  const answer = await json(await fetch(`${sandbox.url}_sandbox/published?platform=${platform}`));
  return answer.items as { id: string; createdAt: number; kind: string; accountId: string }[];
}

/**
 * Connects through the consent page having taken a permission out of what the app asks for, as
 * a person unticking it in Meta's dialog would.
 */
export async function connectWithout(client: HttpClient, platform: string, scope: string, identity = "ava") {
  const started = await client.post(`/api/social-media/connect/${platform}`);
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const authorize = new URL(started.body.authorizeUrl);
  const scopes = (authorize.searchParams.get("scope") ?? "").split(",").filter((name) => name !== scope);
  authorize.searchParams.set("scope", scopes.join(","));
  const back = await consent(authorize, { identity });
  const landed = await client.get(`${back.pathname}${back.search}`);
  assert.equal(landed.status, 302, JSON.stringify(landed.body));
  return new URL(landed.headers.get("location")!, client.baseUrl);
}

export const today = (now: number) => new Date(now).toISOString().slice(0, 10);

/** RFC 4180 rows: quoted cells may hold commas, quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index]!;
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (character === '"') quoted = false;
      else cell += character;
    } else if (character === '"') quoted = true;
    else if (character === ",") {
      row.push(cell);
      cell = "";
    } else if (character === "\n") {
      row.push(cell.replace(/\r$/, ""));
      rows.push(row);
      row = [];
      cell = "";
    } else cell += character;
  }
  if (cell || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** An app on a clock the test moves, beside its sandbox, signed in to an organization of its own. */
export async function analyticsWorld(organizationName: string) {
  const { app, sandbox, passTime, clock } = await startAppWithSandbox();
  const client = app.client();
  await signUp(client);
  await createOrganization(client, organizationName);
  return { app, sandbox, passTime, clockNow: () => clock.now(), client };
}
