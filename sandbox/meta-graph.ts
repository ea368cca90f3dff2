import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { PlatformReply, type SandboxContext, type SandboxPlatform } from "./context.js";
import { facebookGraph, registerFacebookOAuth } from "./facebook.js";
import { readForm, type RequestForm } from "./form.js";
import { instagramGraph } from "./instagram.js";
import { bearerToken, findAccessToken } from "./oauth.js";
import { businesses, instagramAccounts, pages, people, type SandboxBusiness, type SandboxPerson } from "./seed.js";
import type { AccessTokenRecord, PublishedItem } from "./state.js";

/**
 * Meta's Graph API, shared by Facebook Pages and Instagram: one host, one version prefix, one
 * error shape, one token model. facebook.ts and instagram.ts add the nodes and edges they own.
 * https://developers.facebook.com/docs/graph-api/guides/error-handling
 */

export type GraphNode =
  | { type: "user"; id: string; person: SandboxPerson }
  | { type: "page"; id: string; page: (typeof pages)[number] }
  | { type: "business"; id: string; business: SandboxBusiness }
  | { type: "ig_user"; id: string; account: (typeof instagramAccounts)[number]; pageId: string }
  | { type: "fb_post" | "fb_photo" | "fb_video" | "ig_media"; id: string; item: PublishedItem }
  | { type: "object"; id: string; kind: string; value: Record<string, unknown> };

export interface GraphCall {
  context: SandboxContext;
  request: FastifyRequest;
  node: GraphNode;
  token: AccessTokenRecord;
  form: RequestForm;
  fields: string[];
  root: string;
}

export type GraphHandler = (call: GraphCall) => unknown | Promise<unknown>;

/** Handlers keyed "METHOD type" for a node, "METHOD type/edge" for an edge. */
export type GraphRoutes = Record<string, GraphHandler>;

export function graphError(
  status: number,
  error: {
    message: string;
    code: number;
    error_subcode?: number;
    type?: string;
    is_transient?: boolean;
    error_user_title?: string;
    error_user_msg?: string;
  },
  headers: Record<string, string> = {},
): PlatformReply {
  return new PlatformReply(
    status,
    { error: { type: "OAuthException", ...error, fbtrace_id: `A${randomBytes(9).toString("base64url")}` } },
    headers,
  );
}

export const invalidParameter = (message: string) => graphError(400, { message: `(#100) ${message}`, code: 100 });

const notFound = (id: string) =>
  graphError(400, {
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    code: 100,
    error_subcode: 33,
  });

function tokenError(reason: "missing" | "unknown" | "expired" | "revoked", record?: AccessTokenRecord): PlatformReply {
  switch (reason) {
    case "missing":
      return graphError(400, {
        message: "An active access token must be used to query information about the current user.",
        code: 2500,
      });
    case "unknown":
      return graphError(400, { message: "Invalid OAuth access token - Cannot parse access token", code: 190 });
    case "expired":
      return graphError(400, {
        message: `Error validating access token: Session has expired on ${new Date(record?.expiresAt ?? 0).toUTCString()}.`,
        code: 190,
        error_subcode: 463,
      });
    case "revoked":
      return graphError(400, {
        message: "Error validating access token: The user has not authorized application.",
        code: 190,
        error_subcode: 458,
      });
  }
}

/** The token from `access_token` (query or body) or the Authorization header, checked. */
export function requireToken(context: SandboxContext, presented: string | undefined): AccessTokenRecord {
  const found = findAccessToken(context, ["facebook"], presented);
  if (typeof found === "string") {
    const record = presented ? context.state.data.accessTokens[presented] : undefined;
    throw tokenError(found, record);
  }
  return found;
}

function resolveNode(context: SandboxContext, id: string, token: AccessTokenRecord): GraphNode | undefined {
  if (id === "me") {
    if (token.kind === "page") {
      const page = pages.find((candidate) => candidate.id === token.subject);
      return page ? { type: "page", id: page.id, page } : undefined;
    }
    const person = people.find((candidate) => candidate.id === token.personId);
    return person ? { type: "user", id: person.facebook.userId, person } : undefined;
  }
  const person = people.find((candidate) => candidate.facebook.userId === id);
  if (person) return { type: "user", id, person };
  const page = pages.find((candidate) => candidate.id === id);
  if (page) return { type: "page", id, page };
  const business = businesses.find((candidate) => candidate.id === id);
  if (business) return { type: "business", id, business };
  const account = instagramAccounts.find((candidate) => candidate.id === id);
  if (account) {
    const linked = pages.find((candidate) => candidate.instagramAccountId === id)!;
    return { type: "ig_user", id, account, pageId: linked.id };
  }
  const item = context.state.findPublished(["facebook", "instagram"], id);
  if (item) return { type: item.kind as "fb_post" | "fb_photo" | "fb_video" | "ig_media", id, item };
  for (const kind of ["ig_container", "fb_photo_unpublished", "fb_video_upload"]) {
    const value = context.state.object<Record<string, unknown>>(kind, id);
    if (value) return { type: "object", id, kind, value };
  }
  return undefined;
}

/** The Pages a person has a role on: their own, and those of the businesses they are in. */
export function pageIdsOf(person: SandboxPerson): string[] {
  const held = businesses
    .filter((business) => business.memberIds.includes(person.id))
    .flatMap((business) => [...business.ownedPageIds, ...business.clientPageIds]);
  return [...new Set([...person.facebook.pageIds, ...held])];
}

/** Whether the token's person manages this page, or the token is this page's own. */
export function canActForPage(token: AccessTokenRecord, pageId: string): boolean {
  if (token.kind === "page") return token.subject === pageId;
  const person = people.find((candidate) => candidate.id === token.personId);
  return Boolean(person && pageIdsOf(person).includes(pageId));
}

/** X-App-Usage on every answer; code 4 once the app's hourly budget is spent. */
function countAppCall(context: SandboxContext, clientId: string): Record<string, string> {
  const limit = context.options.limits.facebookAppCallsPerHour;
  const use = context.take(`meta:app:${clientId}`, limit, 3_600_000);
  const percent = Math.min(100, Math.round(((limit - use.remaining) / limit) * 100));
  const headers = {
    "x-app-usage": JSON.stringify({
      call_count: percent,
      total_cputime: Math.round(percent / 2),
      total_time: Math.round(percent / 2),
    }),
  };
  if (!use.allowed) {
    throw graphError(403, { message: "(#4) Application request limit reached", code: 4, is_transient: true }, headers);
  }
  return headers;
}

/**
 * A Business Use Case budget, per Page or Instagram account, in X-Business-Use-Case-Usage on
 * every answer about it; spent, Meta answers its BUC throttling code (80001 for Pages, 80002 for
 * Instagram; 32 for a Page read with a user token, which the platform limits count instead).
 * https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */
function countBusinessCall(
  context: SandboxContext,
  owner: { id: string; type: "pages" | "instagram" },
  token: AccessTokenRecord,
): Record<string, string> {
  const limit =
    owner.type === "pages"
      ? context.options.limits.facebookPageCallsPerHour
      : context.options.limits.instagramCallsPerHour;
  const use = context.take(`meta:${owner.type}:${owner.id}`, limit, 3_600_000);
  const percent = Math.min(100, Math.round(((use.limit - use.remaining) / use.limit) * 100));
  const headers = {
    "x-business-use-case-usage": JSON.stringify({
      [owner.id]: [
        {
          type: owner.type,
          call_count: percent,
          total_cputime: Math.round(percent / 4),
          total_time: Math.round(percent / 4),
          estimated_time_to_regain_access:
            use.allowed && percent < 100 ? 0 : Math.ceil((use.resetAt - context.now()) / 60_000),
        },
      ],
    }),
  };
  if (use.allowed) return headers;
  if (owner.type === "instagram")
    throw graphError(
      400,
      {
        message: "There have been too many calls to this Instagram account. Wait a bit and try again.",
        code: 80002,
        is_transient: true,
      },
      headers,
    );
  if (token.kind !== "page")
    throw graphError(403, { message: "(#32) Page request limit reached", code: 32, is_transient: true }, headers);
  throw graphError(
    400,
    {
      message: "There have been too many calls to this Page account. Wait a bit and try again.",
      code: 80001,
      is_transient: true,
    },
    headers,
  );
}

/** Whose Business Use Case budget a node's calls count against. */
function businessOwner(node: GraphNode): { id: string; type: "pages" | "instagram" } | undefined {
  switch (node.type) {
    case "page":
      return { id: node.id, type: "pages" };
    case "ig_user":
      return { id: node.id, type: "instagram" };
    case "fb_post":
    case "fb_photo":
    case "fb_video":
      return { id: node.item.accountId, type: "pages" };
    case "ig_media":
      return { id: node.item.accountId, type: "instagram" };
    case "object": {
      const igUserId = node.value.igUserId;
      if (typeof igUserId === "string") return { id: igUserId, type: "instagram" };
      const pageId = node.value.pageId;
      return typeof pageId === "string" ? { id: pageId, type: "pages" } : undefined;
    }
    default:
      return undefined;
  }
}

const routes: GraphRoutes = { ...facebookGraph, ...instagramGraph };

export const meta: SandboxPlatform = {
  prefix: "meta",
  standsFor: ["facebook", "instagram"],
  realBaseUrls: {
    dialog: "https://www.facebook.com",
    graph: "https://graph.facebook.com",
    video: "https://graph-video.facebook.com",
  },
  register(app: FastifyInstance, context: SandboxContext) {
    registerFacebookOAuth(app, context);

    const handle = async (request: FastifyRequest, method: string, id: string, edge?: string) => {
      const { version } = request.params as { version: string };
      if (!/^v\d+\.\d+$/.test(version))
        throw graphError(400, { message: `Unknown path components: /${version}`, code: 2500 });
      const form = await readForm(request);
      const token = requireToken(context, form.fields.access_token ?? bearerToken(request.headers.authorization));
      const headers = countAppCall(context, token.clientId);
      const node = resolveNode(context, id, token);
      if (!node) throw notFound(id);
      const owner = businessOwner(node);
      if (owner) Object.assign(headers, countBusinessCall(context, owner, token));
      const handler = routes[`${method} ${node.type === "object" ? node.kind : node.type}${edge ? `/${edge}` : ""}`];
      if (!handler) {
        if (edge)
          throw graphError(400, {
            message: `(#100) Tried accessing nonexisting field (${edge}) on node type (${node.type})`,
            code: 100,
          });
        throw notFound(id);
      }
      const fields = parseFields(form.fields.fields);
      const root = `${request.protocol}://${request.host}${app.prefix}`;
      return { headers, body: await handler({ context, request, node, token, form, fields, root }) };
    };

    const version = "/:version";
    for (const method of ["GET", "POST", "DELETE"] as const) {
      app.route({
        method,
        url: `${version}/:node`,
        handler: async (request, reply) => {
          const { node } = request.params as { node: string };
          const answer = await handle(request, method, node);
          return reply.headers(answer.headers).send(answer.body);
        },
      });
      app.route({
        method,
        url: `${version}/:node/:edge`,
        handler: async (request, reply) => {
          const { node, edge } = request.params as { node: string; edge: string };
          const answer = await handle(request, method, node, edge);
          return reply.headers(answer.headers).send(answer.body);
        },
      });
    }
  },
  transientError: (status) =>
    graphError(status, {
      message: "An unexpected error has occurred. Please retry your request later.",
      code: 2,
      is_transient: true,
    }),
  rateLimitError: (retryAfterSeconds) =>
    graphError(
      403,
      { message: "(#4) Application request limit reached", code: 4, is_transient: true },
      {
        "x-app-usage": JSON.stringify({ call_count: 100, total_cputime: 40, total_time: 40 }),
        "retry-after": String(retryAfterSeconds),
      },
    ),
};

const cursorOf = (offset: number) => Buffer.from(`offset:${offset}`).toString("base64url");
const offsetOf = (cursor: string | undefined) => {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor ?? "", "base64url").toString());
  return match ? Number(match[1]) : 0;
};

/**
 * Graph's cursor paging envelope: `{data, paging}`. Given the call, a page of `limit` items (25
 * by default, 100 at most) from the `after` cursor, and `next` while more remain, as Graph pages
 * edges. https://developers.facebook.com/docs/graph-api/results
 */
export function paged<T>(
  data: T[],
  call?: GraphCall,
): { data: T[]; paging: { cursors: { before: string; after: string }; next?: string } } {
  if (!call) return { data, paging: { cursors: { before: cursorOf(0), after: cursorOf(data.length) } } };
  const limit = Math.min(100, Math.max(1, Number(call.form.fields.limit ?? 25) || 25));
  const start = offsetOf(call.form.fields.after);
  const end = Math.min(data.length, start + limit);
  const next = new URL(call.request.url.split("?")[0]!, `${call.request.protocol}://${call.request.host}`);
  for (const [name, value] of Object.entries(call.form.fields))
    if (name !== "after" && name !== "access_token") next.searchParams.set(name, value);
  next.searchParams.set("after", cursorOf(end));
  return {
    data: data.slice(start, end),
    paging: {
      cursors: { before: cursorOf(start), after: cursorOf(end) },
      ...(end < data.length ? { next: next.toString() } : {}),
    },
  };
}

/** Splits `a,b{c,d},e` at top-level commas, as Graph's field expansion reads it. */
export function parseFields(text: string | undefined): string[] {
  const fields: string[] = [];
  let depth = 0;
  let current = "";
  for (const character of text ?? "") {
    if (character === "{") depth += 1;
    if (character === "}") depth -= 1;
    if (character === "," && depth === 0) {
      if (current.trim()) fields.push(current.trim());
      current = "";
    } else current += character;
  }
  if (current.trim()) fields.push(current.trim());
  return fields;
}

/** Graph answers `created_time` as 2026-11-24T10:00:00+0000. */
/** Lifetime insights as Graph answers them: an entry per metric asked, each with its one value. */
export function lifetimeInsights(
  itemId: string,
  edge: string,
  metrics: readonly string[],
  values: Record<string, unknown>,
) {
  return metrics.map((metric) => ({
    name: metric,
    period: "lifetime",
    values: [{ value: values[metric] }],
    title: metric,
    id: `${itemId}/${edge}/${metric}/lifetime`,
  }));
}

export function graphTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "+0000");
}
