import assert from "node:assert/strict";
import type { HttpClient } from "../support/client.js";
import { waitFor } from "../support/process.js";
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

/** Waits until every account of the post has an outcome, and answers the post. */
export async function settled(client: HttpClient, postId: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const answer = await client.get(`/api/posts/${postId}`);
      const post = answer.body.post;
      return post.targets.every((target: { state: string }) =>
        ["published", "failed", "unknown", "cancelled"].includes(target.state),
      )
        ? post
        : undefined;
    },
    timeoutMs,
    `post ${postId} to settle`,
  );
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
