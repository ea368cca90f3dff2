import assert from "node:assert/strict";
import { adjustableClock, type AdjustableClock } from "../../src/clock.js";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import type { Backend } from "../support/postgres.js";
import { appRegistrations, sandboxEnvironment } from "../../sandbox/index.js";
import { bots } from "../../sandbox/seed.js";
import { consent, startSandbox, type RunningSandbox } from "../sandbox/support.js";

/** The sandbox bot that administers @northwind_news and may post there. */
export const newsBot = bots[0]!.token;

/** Every platform's credentials and base URL, pointed at a standalone sandbox. */
export function sandboxEnv(sandbox: RunningSandbox): Record<string, string> {
  return sandboxEnvironment((prefix) => sandbox.base(prefix));
}

/**
 * The app configured with real-looking credentials, every platform pointed at a standalone
 * sandbox, on a clock the test moves forward (with the sandbox's, by passTime) instead of waiting.
 */
export async function startAppWithSandbox(
  options: {
    sandbox?: RunningSandbox;
    env?: Record<string, string>;
    backend?: Backend;
    role?: "all" | "api" | "worker";
    captureLogs?: boolean;
  } = {},
) {
  const sandbox = options.sandbox ?? (await startSandbox());
  const env = { ...sandboxEnv(sandbox), ...options.env };
  const clock = adjustableClock();
  const app = await startTestApp({
    env,
    backend: options.backend,
    role: options.role,
    clock,
    captureLogs: options.captureLogs,
  });
  await registerRedirects(sandbox, app.url);
  return { app, sandbox, clock, passTime: (milliseconds: number) => passTime(clock, sandbox, milliseconds) };
}

/** Moves only the platforms' time: a token the app still holds expires, a window the app counted on resets. */
export async function advanceSandboxClock(sandbox: RunningSandbox, milliseconds: number) {
  const answer = await fetch(`${sandbox.url}_sandbox/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ advanceSeconds: milliseconds / 1000 }),
  });
  assert.equal(answer.status, 200, await answer.text());
}

/**
 * Time passing for the platforms and the app alike, at once rather than waited out. The
 * platforms' first, so the app, which wakes as its clock moves, finds them already there.
 */
export async function passTime(clock: AdjustableClock, sandbox: RunningSandbox, milliseconds: number) {
  await advanceSandboxClock(sandbox, milliseconds);
  clock.advance(milliseconds);
}

/** What a developer does in each platform's console: register the app's callback URL (each LinkedIn app with its products). */
export async function registerRedirects(sandbox: RunningSandbox, appUrl: URL) {
  for (const client of appRegistrations((platform) => new URL(`/api/auth/callback/${platform}`, appUrl).toString())) {
    const answer = await fetch(`${sandbox.url}_sandbox/clients`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(client),
    });
    assert.equal(answer.status, 201);
  }
}

/**
 * The browser's round trip: start from the dashboard, consent at the platform, come back to the
 * app's callback, which redirects to the dashboard. Answers that last URL.
 */
export async function connectThroughConsent(
  client: HttpClient,
  platform: string,
  options: { identity?: string; decision?: "allow" | "deny"; variant?: string } = {},
) {
  const started = await client.post(
    `/api/social-media/connect/${platform}${options.variant ? `?variant=${options.variant}` : ""}`,
  );
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const back = await consent(started.body.authorizeUrl, options);
  const landed = await client.get(`${back.pathname}${back.search}`);
  assert.equal(landed.status, 302, JSON.stringify(landed.body));
  return new URL(landed.headers.get("location")!, client.baseUrl);
}

export type { TestApp };
