import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createSandbox, type SandboxOptions } from "../../sandbox/index.js";

export interface RunningSandbox {
  url: URL;
  /** The base URL standing in for a platform: meta, x, linkedin, google, telegram, tiktok. */
  base(prefix: string): string;
  sandbox: Awaited<ReturnType<typeof createSandbox>>;
  close(): Promise<void>;
}

export const callback = (platform: string) => `http://localhost:3000/api/auth/callback/${platform}`;

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await createSandbox(options);
  const url = await sandbox.listen(0);
  return { url, base: (prefix) => new URL(`/${prefix}`, url).toString(), sandbox, close: () => sandbox.close() };
}

/**
 * What a person does in the browser on the consent page: open it, pick who to be, press Allow
 * or Deny. Answers where the platform sends the browser back.
 */
export async function consent(
  authorizeUrl: URL | string,
  options: { identity?: string; decision?: "allow" | "deny" } = {},
): Promise<URL> {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  assert.equal(page.status, 200, html);
  assert.match(html, /SANDBOX/);
  const form = new URLSearchParams(new URL(authorizeUrl).searchParams);
  form.set("sandbox_identity", options.identity ?? /name="sandbox_identity" value="([^"]+)"/.exec(html)?.[1] ?? "");
  form.set("sandbox_decision", options.decision ?? "allow");
  const answer = await fetch(authorizeUrl, { method: "POST", body: form, redirect: "manual" });
  assert.equal(answer.status, 302, await answer.text());
  return new URL(answer.headers.get("location")!);
}

/** Bytes the platforms can fetch by URL: what the product's media URLs will serve. */
export const mediaFiles = {
  "/photo.jpg": {
    type: "image/jpeg",
    body: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 1)]),
  },
  "/photo.png": {
    type: "image/png",
    body: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(2048, 2)]),
  },
  "/clip.mp4": {
    type: "video/mp4",
    // An ISO base media `ftyp` box first, as every MP4 begins (uploads are checked against it).
    body: Buffer.concat([Buffer.from("\0\0\0\x18ftypisom\0\0\0\0isommp41", "latin1"), Buffer.alloc(300 * 1024, 3)]),
  },
};

export async function startMediaServer(): Promise<{
  url(path: keyof typeof mediaFiles | "/missing.jpg"): string;
  close(): Promise<void>;
}> {
  const server: Server = createServer((request, response) => {
    const file = mediaFiles[request.url as keyof typeof mediaFiles];
    if (!file) return void response.writeHead(404, { "content-type": "text/plain" }).end("Not found");
    response.writeHead(200, { "content-type": file.type, "content-length": file.body.length }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: (path) => `http://127.0.0.1:${address.port}${path}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function json(response: Response): Promise<any> {
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

/** Arms a fault on the sandbox's control surface (see sandbox/README.md: faults). */
export async function armFault(sandbox: RunningSandbox, rule: Record<string, unknown>): Promise<void> {
  const answer = await fetch(`${sandbox.url}_sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rule),
  });
  assert.equal(answer.status, 201);
}

/** How many posts with exactly this text the platform holds. */
export async function publishedCount(sandbox: RunningSandbox, platform: string, text: string): Promise<number> {
  const items = (await json(await fetch(`${sandbox.url}_sandbox/published?platform=${platform}`))).items as {
    text: string;
  }[];
  return items.filter((item) => item.text === text).length;
}

/** Moves the sandbox's clock forward, as `POST /_sandbox/clock` does for any client. */
export async function advance(sandbox: RunningSandbox, seconds: number): Promise<void> {
  const answer = await fetch(new URL("/_sandbox/clock", sandbox.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ advanceSeconds: seconds }),
  });
  assert.equal(answer.status, 200, await answer.text());
}

/**
 * A user access token from a sandbox by the plain authorization-code flow, as a client written
 * from each platform's documentation does it: for tests of expiry, limits and quotas.
 */
export async function userToken(
  sandbox: RunningSandbox,
  platform: "facebook" | "x" | "linkedin" | "youtube" | "tiktok",
  scope = "",
): Promise<string> {
  const clientId = `sandbox-${platform}-client`;
  const clientSecret = `sandbox-${platform}-secret`;
  const redirectUri = callback(platform);
  const verifier = "v".repeat(43);
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const flows = {
    facebook: {
      authorize: `${sandbox.base("meta")}/v26.0/dialog/oauth`,
      token: `${sandbox.base("meta")}/v26.0/oauth/access_token`,
      extra: {},
    },
    x: {
      authorize: `${sandbox.base("x")}/i/oauth2/authorize`,
      token: `${sandbox.base("x")}/2/oauth2/token`,
      extra: { code_challenge: challenge, code_challenge_method: "S256" },
    },
    linkedin: {
      authorize: `${sandbox.base("linkedin")}/oauth/v2/authorization`,
      token: `${sandbox.base("linkedin")}/oauth/v2/accessToken`,
      extra: {},
    },
    youtube: {
      authorize: `${sandbox.base("google")}/o/oauth2/v2/auth`,
      token: `${sandbox.base("google")}/token`,
      extra: {},
    },
    tiktok: {
      authorize: `${sandbox.base("tiktok")}/v2/auth/authorize/`,
      token: `${sandbox.base("tiktok")}/v2/oauth/token/`,
      extra: {},
    },
  };
  const flow = flows[platform];
  // TikTok names the app's key client_key, in the authorize URL and at the token endpoint.
  const clientParameter = platform === "tiktok" ? "client_key" : "client_id";
  const authorize = new URL(flow.authorize);
  authorize.search = new URLSearchParams({
    response_type: "code",
    [clientParameter]: clientId,
    redirect_uri: redirectUri,
    state: "s",
    scope,
    ...flow.extra,
  }).toString();
  const code = (await consent(authorize)).searchParams.get("code")!;
  const form = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri });
  // X authenticates confidential clients with HTTP Basic; the others take the credentials in the body.
  const headers: Record<string, string> =
    platform === "x" ? { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}` } : {};
  if (platform === "x") form.set("code_verifier", verifier);
  else {
    form.set(clientParameter, clientId);
    form.set("client_secret", clientSecret);
  }
  const answer = await fetch(flow.token, { method: "POST", headers, body: form });
  const body = await json(answer);
  assert.equal(answer.status, 200, JSON.stringify(body));
  return body.access_token as string;
}
