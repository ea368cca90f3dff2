import { platformIds } from "../src/platforms/profiles.js";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { expirePersonAccessTokens, revokePersonTokens } from "./oauth.js";
import { bots, channels, instagramAccounts, linkedinOrganizations, pages, people, telegramChats } from "./seed.js";
import type { SandboxContext, SandboxPlatform } from "./context.js";
import { linkedinAppProblem } from "./linkedin.js";
import { addBulkWorld, dropBulkWorld } from "./world.js";
import type { OAuthClient, PlatformName } from "./state.js";

export type FaultMode = "error" | "hang" | "drop" | "rate_limit";

export interface FaultRule {
  id: number;
  prefix: string;
  method?: string;
  /** A substring of the request path (without the query). */
  path: string;
  mode: FaultMode;
  remaining: number;
  status?: number;
  retryAfterSeconds?: number;
  /** Answer an `error` with the HTML page a gateway in front of the platform sends, not the platform's own body. */
  gatewayPage?: boolean;
  /** How many calls the rule has hit so far. */
  fired: number;
}

const faultSchema = z.object({
  prefix: z.string().min(1),
  method: z
    .string()
    .transform((value) => value.toUpperCase())
    .optional(),
  path: z.string().default(""),
  mode: z.enum(["error", "hang", "drop", "rate_limit"]),
  count: z.number().int().positive().default(1),
  status: z.number().int().min(400).max(599).optional(),
  retryAfterSeconds: z.number().int().positive().optional(),
  gatewayPage: z.boolean().optional(),
});

const personSchema = z.object({ platform: z.enum(platformIds), personId: z.string() });

const clockSchema = z.object({
  advanceSeconds: z
    .number()
    .positive()
    .max(366 * 86_400),
});

const worldSchema = z.object({
  people: z.number().int().positive().max(10_000),
  postsPerAccount: z.number().int().min(0).max(1_000),
  spreadDays: z.number().positive().max(365),
});

const clientSchema = z.object({
  platform: z.enum(platformIds),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUris: z.array(z.url()).min(1),
  programmaticRefresh: z.boolean().optional(),
  audited: z.boolean().optional(),
  /** LinkedIn: the app's products (the scopes it may ask for); the two self-serve ones when absent. */
  products: z.array(z.string()).optional(),
});

/**
 * The sandbox's own surface, for tests and the demo: faults, the request journal, what was
 * published, app registrations, and what a person does at the platform (revoke the app).
 */
export function registerControl(
  app: FastifyInstance,
  context: SandboxContext,
  options: { platforms: SandboxPlatform[]; faults: FaultRule[]; defaultClients: () => OAuthClient[] },
) {
  let nextFaultId = 1;

  app.get("/_sandbox", async (request) => {
    const root = `${request.protocol}://${request.host}${app.prefix}`;
    return {
      platforms: Object.fromEntries(
        options.platforms.map((platform) => [
          platform.prefix,
          { baseUrl: `${root}/${platform.prefix}`, standsFor: platform.realBaseUrls },
        ]),
      ),
      clients: context.state.data.clients.map(({ clientSecret: _secret, ...client }) => client),
      people,
      pages,
      instagramAccounts,
      linkedinOrganizations,
      channels,
      bots: bots.map(({ token, ...bot }) => ({ ...bot, token })),
      telegramChats,
      limits: context.options.limits,
      lifetimes: context.options.lifetimes,
    };
  });

  app.post("/_sandbox/faults", async (request, reply) => {
    const parsed = faultSchema.safeParse(request.body);
    if (!parsed.success) return reply.status(400).send({ error: z.prettifyError(parsed.error) });
    const { count, ...rule } = parsed.data;
    const fault: FaultRule = { id: nextFaultId++, remaining: count, fired: 0, ...rule };
    options.faults.push(fault);
    return reply.status(201).send(fault);
  });

  app.get("/_sandbox/faults", async () => ({ faults: options.faults }));

  app.delete("/_sandbox/faults", async (_request, reply) => {
    options.faults.length = 0;
    return reply.status(204).send();
  });

  app.get("/_sandbox/journal", async (request) => {
    const query = request.query as { prefix?: string; after?: string; path?: string; faulted?: string };
    const after = Number(query.after ?? 0);
    return {
      entries: context.state.journal.filter(
        (entry) =>
          entry.seq > after &&
          (!query.prefix || entry.platform === query.prefix) &&
          (!query.path || entry.path.includes(query.path)) &&
          (query.faulted !== "true" || entry.fault !== undefined),
      ),
    };
  });

  app.get("/_sandbox/published", async (request) => {
    const query = request.query as { platform?: string; account?: string };
    return {
      items: context.state.data.published.filter(
        (item) =>
          (!query.platform || item.platform === query.platform) && (!query.account || item.accountId === query.account),
      ),
    };
  });

  app.post("/_sandbox/clients", async (request, reply) => {
    const parsed = clientSchema.safeParse(request.body);
    if (!parsed.success) return reply.status(400).send({ error: z.prettifyError(parsed.error) });
    const problem = parsed.data.platform === "linkedin" ? linkedinAppProblem(parsed.data.products) : undefined;
    if (problem) return reply.status(400).send({ error: problem });
    const clients = context.state.data.clients.filter(
      (client) => !(client.platform === parsed.data.platform && client.clientId === parsed.data.clientId),
    );
    clients.push(parsed.data);
    context.state.data.clients = clients;
    return reply.status(201).send({ platform: parsed.data.platform, clientId: parsed.data.clientId });
  });

  app.post("/_sandbox/revoke", async (request, reply) => {
    const parsed = personSchema.safeParse(request.body);
    if (!parsed.success) return reply.status(400).send({ error: z.prettifyError(parsed.error) });
    // One emulation's people are one set of people (a Meta login holds the Facebook and Instagram grants).
    const affected: readonly PlatformName[] = options.platforms.find((platform) =>
      platform.standsFor.includes(parsed.data.platform),
    )?.standsFor ?? [parsed.data.platform];
    for (const platform of affected) revokePersonTokens(context, platform, parsed.data.personId);
    return reply.status(204).send();
  });

  // Time passing for one grant, without moving the clock for everything else: the person's
  // access tokens expire now; their refresh tokens stay good, so a client that renews recovers.
  app.post("/_sandbox/expire", async (request, reply) => {
    const parsed = personSchema.safeParse(request.body);
    if (!parsed.success) return reply.status(400).send({ error: z.prettifyError(parsed.error) });
    return { expired: expirePersonAccessTokens(context, parsed.data.platform, parsed.data.personId) };
  });

  app.get("/_sandbox/contract", async () => ({ violations: context.state.contractViolations }));

  // Time passing for everything: token lifetimes, rate-limit windows, daily quotas, processing.
  app.get("/_sandbox/clock", async () => ({
    now: new Date(context.now()).toISOString(),
    offsetMs: context.clock.offset(),
  }));
  app.post("/_sandbox/clock", async (request, reply) => {
    const parsed = clockSchema.safeParse(request.body);
    if (!parsed.success) return reply.status(400).send({ error: z.prettifyError(parsed.error) });
    context.clock.advance(parsed.data.advanceSeconds * 1000);
    return { now: new Date(context.now()).toISOString(), offsetMs: context.clock.offset() };
  });

  // A world as large as a busy deployment's, for benchmarks: people to consent as, with posts.
  app.post("/_sandbox/world", async (request, reply) => {
    const parsed = worldSchema.safeParse(request.body);
    if (!parsed.success) return reply.status(400).send({ error: z.prettifyError(parsed.error) });
    return reply.status(201).send({ people: addBulkWorld(context, parsed.data) });
  });

  app.get("/_sandbox/calls", async () => ({ calls: context.state.callCounts, refusals: context.state.refusals }));

  app.post("/_sandbox/reset", async (_request, reply) => {
    dropBulkWorld();
    context.state.reset(options.defaultClients());
    options.faults.length = 0;
    return reply.status(204).send();
  });
}
