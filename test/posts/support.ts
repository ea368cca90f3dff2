import assert from "node:assert/strict";
import type { HttpClient } from "../support/client.js";
import { waitFor } from "../support/process.js";
import { connectThroughConsent, newsBot } from "../connections/support.js";
import { mediaFiles } from "../sandbox/support.js";

export async function upload(
  client: HttpClient,
  file: keyof typeof mediaFiles | { name: string; type: string; body: Buffer },
) {
  const chosen =
    typeof file === "string" ? { name: file.slice(1), type: mediaFiles[file].type, body: mediaFiles[file].body } : file;
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(chosen.body)], { type: chosen.type }), chosen.name);
  const answer = await fetch(new URL("/api/media", client.baseUrl), {
    method: "POST",
    headers: { origin: client.baseUrl.origin, cookie: `msid=${client.cookie("msid")}` },
    body: form,
  });
  const body = await answer.json();
  assert.equal(answer.status, 201, JSON.stringify(body));
  return body.media as { id: string; url: string };
}

interface TargetView {
  id: string;
  state: string;
  attempts: number;
  error: string | null;
}

const hasOutcome = (target: TargetView) => ["published", "failed", "unknown", "cancelled"].includes(target.state);

/** Waits until every account of the post has an outcome, and answers the post. */
export async function settled(client: HttpClient, postId: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const answer = await client.get(`/api/posts/${postId}`);
      const post = answer.body.post;
      return post.targets.every(hasOutcome) ? post : undefined;
    },
    timeoutMs,
    `post ${postId} to settle`,
  );
}

/** The wait between a target's nth failed attempt and the next: src/posts/run.ts's retryLater. */
export const backoffAfter = (attempts: number) => Math.min(5_000 * 2 ** (attempts - 1), 300_000);

/**
 * As settled(), but each time a target is put back in the queue after a failed attempt, time is
 * passed over that attempt's backoff at once instead of waited out. Only for posts no rate limit
 * re-times: a wait for a platform's reset would be passed over too.
 */
export async function settledPassingBackoff(
  client: HttpClient,
  postId: string,
  passTime: (milliseconds: number) => Promise<void>,
  timeoutMs = 20_000,
) {
  const passed = new Set<string>();
  return waitFor(
    async () => {
      const post = (await client.get(`/api/posts/${postId}`)).body.post;
      const targets = post.targets as TargetView[];
      if (targets.every(hasOutcome)) return post;
      for (const target of targets) {
        const retry = `${target.id}:${target.attempts}`;
        if (target.state !== "queued" || !target.error || target.attempts === 0 || passed.has(retry)) continue;
        passed.add(retry);
        await passTime(backoffAfter(target.attempts));
      }
      return undefined;
    },
    timeoutMs,
    `post ${postId} to settle`,
  );
}

/** Waits until a target of the post is back in the queue after a failed attempt, and answers the post. */
export async function retimed(client: HttpClient, postId: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const post = (await client.get(`/api/posts/${postId}`)).body.post;
      return (post.targets as TargetView[]).some((target) => target.state === "queued" && target.error)
        ? post
        : undefined;
    },
    timeoutMs,
    `post ${postId} to be put back in the queue`,
  );
}

/** Ava's account on every platform through the sandbox's consent pages, and the news channel's bot. */
export async function connectEveryPlatform(client: HttpClient) {
  await connectThroughConsent(client, "x", { identity: "ava" });
  await connectThroughConsent(client, "instagram", { identity: "ava" });
  await connectThroughConsent(client, "youtube", { identity: "ava:UCsandboxNorthwindTV0001" });
  const facebook = await connectThroughConsent(client, "facebook", { identity: "ava" });
  await client.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
    externalIds: ["200000000000001"],
  });
  // The member, through the LinkedIn profile app: one account, connected at once.
  await connectThroughConsent(client, "linkedin", { identity: "ava", variant: "profile" });
  await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
  return connectionIds(client);
}

export async function connectionIds(client: HttpClient) {
  const list = (await client.get("/api/social-media/connections")).body.connections as {
    id: string;
    platform: string;
    name: string;
  }[];
  const byKey = (platform: string, name?: string) =>
    list.find((connection) => connection.platform === platform && (!name || connection.name === name))!.id;
  return { list, byKey };
}

/** A JPEG header with a baseline frame of the given size (what cameras and editors write). */
export function jpegOf(width: number, height: number): Buffer {
  const app0 = Buffer.from([
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  ]);
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    0x03,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.alloc(512, 0)]);
}

/** An MP4 with `ftyp`, a `moov` holding an `mvhd` of the given duration, and some `mdat`. */
export function mp4Of(seconds: number): Buffer {
  const box = (type: string, body: Buffer) => {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(body.length + 8, 0);
    header.write(type, 4, "ascii");
    return Buffer.concat([header, body]);
  };
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12);
  mvhd.writeUInt32BE(Math.round(seconds * 1000), 16);
  return Buffer.concat([
    box("ftyp", Buffer.from("isom\0\0\0\0isommp41")),
    box("moov", box("mvhd", mvhd)),
    box("mdat", Buffer.alloc(4096, 7)),
  ]);
}
