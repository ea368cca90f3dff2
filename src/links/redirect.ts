import { eq } from "drizzle-orm";
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context.js";
import { trackedLinks } from "../db/schema.js";
import { botOf } from "./bots.js";
import { clickRecorderOf, newClickId } from "./clicks.js";
import { SHORT_CODE_PATTERN } from "./short-links.js";

/** Codes kept in memory, found and unknown alike; the oldest go first. */
const CACHE_ENTRIES = 20_000;
/** How long a code's answer is trusted: an edit of a post not yet sent may change where its links lead. */
const CACHE_TTL_MS = 60_000;
/** The parameter the landing page finds the click's id in, for a conversion to name. */
export const CLICK_ID_PARAMETER = "msclid";

type Link = Pick<
  typeof trackedLinks.$inferSelect,
  "id" | "organizationId" | "postId" | "connectionId" | "platform" | "campaignId" | "destinationUrl"
>;

const notFoundPage = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Link not found</title><body style="font-family:system-ui,sans-serif;margin:3rem auto;max-width:32rem;padding:0 1rem"><h1>Link not found</h1><p>This short link does not exist. Check that it was copied whole.</p></body></html>`;

/**
 * A bounded cache of code → link, unknown codes included (so guessing does not reach the
 * database each time), with the lookups of one code in flight shared.
 */
function linkCache(context: AppContext) {
  const entries = new Map<string, { link: Link | null; expiresAt: number }>();
  const inFlight = new Map<string, Promise<Link | null>>();
  const load = async (code: string) => {
    const [link] = await context.db
      .select({
        id: trackedLinks.id,
        organizationId: trackedLinks.organizationId,
        postId: trackedLinks.postId,
        connectionId: trackedLinks.connectionId,
        platform: trackedLinks.platform,
        campaignId: trackedLinks.campaignId,
        destinationUrl: trackedLinks.destinationUrl,
      })
      .from(trackedLinks)
      .where(eq(trackedLinks.code, code));
    entries.delete(code);
    entries.set(code, { link: link ?? null, expiresAt: context.clock.now() + CACHE_TTL_MS });
    if (entries.size > CACHE_ENTRIES) entries.delete(entries.keys().next().value!);
    return link ?? null;
  };
  return (code: string): Link | null | Promise<Link | null> => {
    const cached = entries.get(code);
    if (cached && cached.expiresAt > context.clock.now()) return cached.link;
    const loading = inFlight.get(code) ?? load(code).finally(() => inFlight.delete(code));
    inFlight.set(code, loading);
    return loading;
  };
}

/**
 * GET /l/{code}: the short links in posts. Outside /api, with no session: a lookup in memory, a
 * 302 to the destination with the click's id, and the click recorded after the answer, in a batch.
 * It needs the API process only, so links keep working while workers are down.
 */
export const redirectRoutes: FastifyPluginAsync<AppContext> = async (app, context) => {
  const linkOf = linkCache(context);
  const recorder = clickRecorderOf(context, app.log);
  app.addHook("onClose", () => recorder.close());

  app.get<{ Params: { code: string } }>(
    "/l/:code",
    {
      schema: { hide: true },
      // helmet builds its headers anew for each request, a cost every click would pay: the few
      // that matter for a redirect and its not-found page are set by hand.
      helmet: false,
      // One log line per click would keep every visitor's address in the logs, which the click
      // records themselves never hold; failures are still logged.
      logLevel: "warn",
    },
    async (request, reply) => {
      const { code } = request.params;
      const link = SHORT_CODE_PATTERN.test(code) ? await linkOf(code) : null;
      if (!link)
        return reply
          .status(404)
          .header("content-type", "text/html; charset=utf-8")
          .header("cache-control", "no-store")
          .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
          .send(notFoundPage);
      const clickId = newClickId();
      const destination = new URL(link.destinationUrl);
      destination.searchParams.set(CLICK_ID_PARAMETER, clickId);
      // A HEAD is a link checker asking whether the link works, not a visit.
      if (request.method === "GET") {
        const userAgent = request.headers["user-agent"] ?? "";
        recorder.record({
          linkId: link.id,
          organizationId: link.organizationId,
          postId: link.postId,
          connectionId: link.connectionId,
          platform: link.platform,
          campaignId: link.campaignId,
          clickId,
          clickedAt: new Date(context.clock.now()),
          botName: botOf(userAgent),
          address: request.ip,
          userAgent,
        });
      }
      // Every visit must reach us to be counted: no browser or proxy answers it from a copy.
      return reply
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .header("x-content-type-options", "nosniff")
        .redirect(destination.toString(), 302);
    },
  );
};
