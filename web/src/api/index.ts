import type { PlatformId } from "../../../src/platforms/profiles";
import type { paths } from "./schema";

export type { PlatformId };

/** The dashboard's one way to the API: JSON in and out, errors as ApiError with the field named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The API's paths that answer `method`: a path or method the server does not serve does not compile. */
type PathOf<M extends Method> = {
  [P in keyof paths]: paths[P][Lowercase<M>] extends undefined ? never : P;
}[keyof paths];

type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][Lowercase<M>]>;

type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;
type Part<T, Key extends string, Shape> = [NonNullable<T>] extends [never] ? { [K in Key]?: never } : Shape;

/** What a call sends: the path's parameters, the query and the body, each only where the route declares one. */
type Request<O> = O extends { parameters: { path?: infer Path; query?: infer Query }; requestBody?: infer Body }
  ? Part<Path, "path", { path: NonNullable<Path> }> &
      Part<Query, "query", { query?: NonNullable<Query> }> &
      Part<Body, "body", { body: Json<NonNullable<Body>> }>
  : never;

/** Optional when nothing in it is required, so `api("GET", "/api/auth/me")` needs no second argument. */
type RequestArguments<O> = Record<never, never> extends Request<O> ? [request?: Request<O>] : [request: Request<O>];

/** The statuses of success: 202 is accepted, to be done later; 204 has no body. */
type Success = 200 | 201 | 202 | 204;

/** The body of the route's success answer; null for a 204. */
type Answer<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer Responses }
    ? { [Status in keyof Responses & Success]: Json<Responses[Status]> }[keyof Responses & Success]
    : never;

interface LooseRequest {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

/**
 * Calls a route by its path as the OpenAPI document writes it (`/api/posts/{id}`), so its
 * parameters, query, body and answer are the types generated from the server's schemas.
 */
export function api<M extends Method, P extends PathOf<M>>(
  method: M,
  path: P,
  ...request: RequestArguments<Operation<P, M>>
): Promise<Answer<P, M>>;
export async function api(method: Method, path: string, request: LooseRequest = {}): Promise<unknown> {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(request.path?.[name] ?? ""));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {}))
    if (value !== undefined) query.set(name, String(value));
  const response = await fetch(query.toString() ? `${filled}?${query}` : filled, {
    method,
    credentials: "same-origin",
    headers: request.body === undefined ? {} : { "content-type": "application/json" },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  if (response.status === 204) return null;
  const payload = await response.json().catch(() => undefined);
  if (!response.ok) throw errorOf(response.status, payload);
  return payload;
}

/** The API's error shape, { error: { code, message, field } }, which the OpenAPI document describes in words only. */
function errorOf(status: number, payload: unknown, fallback = `Request failed (${status})`): ApiError {
  const error = (payload as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
  return new ApiError(status, error?.code ?? "error", error?.message ?? fallback, error?.field);
}

export type Me = Answer<"/api/auth/me", "GET">;
export type Role = Me["organizations"][number]["role"];
export type Member = Answer<"/api/organization/members", "GET">["members"][number];
export type MembershipRole = Member["role"];
export type AuditEvent = Answer<"/api/audit", "GET">["events"][number];
export type Health = Answer<"/api/health", "GET">;
export type PlatformInfo = Answer<"/api/social-media/platforms", "GET">["platforms"][number];
export type Connection = Answer<"/api/social-media/connections", "GET">["connections"][number];
export type MediaItem = Answer<"/api/media", "POST">["media"];
export type Post = Answer<"/api/posts", "GET">["posts"][number];
export type PostTarget = Post["targets"][number];
export type PlatformHealth = Answer<"/api/social-media/health", "GET">["platforms"][number];
export type ConnectionErrorRecord = Answer<"/api/social-media/errors", "GET">["errors"][number];
export type WebhookEndpoint = Answer<"/api/webhooks/endpoints", "GET">["endpoints"][number];
export type WebhookDelivery = Answer<"/api/webhooks/endpoints/{endpointId}/deliveries", "GET">["deliveries"][number];
export type EventType = WebhookEndpoint["events"][number];
export type Alert = Answer<"/api/alerts", "GET">["alerts"][number];
export type AlertPreferences = Answer<"/api/alerts/preferences", "GET">;
export type ApiKey = Answer<"/api/organization/api-keys", "GET">["apiKeys"][number];
export type ApiKeyRole = ApiKey["role"];

/** The server's own role table decides what the dashboard shows, so the two cannot disagree. */
export { can, membershipRoles } from "../../../src/auth/permissions";

/** The role names the README and the API use, so a person reads the same word everywhere. */
export const roleLabels: Record<Role, string> = {
  SUPER_ADMIN: "SUPER_ADMIN",
  ADMIN: "ADMIN",
  USER: "USER",
  GUEST: "GUEST",
};

export const roleDescriptions: Record<MembershipRole, string> = {
  ADMIN: "Manages the team, tokens, webhooks and every account",
  USER: "Connects accounts, posts and reads analytics",
  GUEST: "Sees the organization, changes nothing",
};

/** Uploads a file with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function uploadMedia(file: File, onProgress: (fraction: number) => void): Promise<MediaItem> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/media" satisfies PathOf<"POST">);
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      const body = JSON.parse(request.responseText || "{}") as unknown;
      if (request.status === 201) resolve((body as Answer<"/api/media", "POST">).media);
      else reject(errorOf(request.status, body, "Upload failed"));
    };
    request.onerror = () => reject(new ApiError(0, "network", "The upload was interrupted."));
    const form = new FormData();
    form.set("file", file);
    request.send(form);
  });
}
