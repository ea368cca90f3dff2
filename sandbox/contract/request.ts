/**
 * A request as a platform's API sees it, and the shape every checker works on.
 *
 * Bodies are given already parsed, as the sandbox's Fastify parsers leave them:
 * - JSON: the parsed value;
 * - `application/x-www-form-urlencoded`: an object of strings (or URLSearchParams);
 * - `multipart/form-data`: an object of fields, where a file part is any value that is not a
 *   string (a Buffer, or `{ filename, … }`);
 * - raw bytes (uploads) and anything else: `undefined`.
 * `undefined` means "not inspected": a checker cannot tell an upload from a missing body, so it
 * never reports a missing body, only a wrong one.
 */

/** The platform names the product uses, and the sandbox prefixes (`meta` is Facebook and Instagram, `google` is YouTube). */
export type ContractPlatform =
  "x" | "youtube" | "telegram" | "facebook" | "instagram" | "linkedin" | "tiktok" | "meta" | "google";

export interface ContractRequest {
  platform: ContractPlatform;
  method: string;
  /** The path the real API sees: no sandbox prefix, no query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type BodyKind = "json" | "form" | "multipart" | "binary" | "none";

/** What a checker reads: names normalised once, so each rule can compare plainly. */
export interface CheckedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased names; a repeated header is joined with ", " as HTTP folds it. */
  headers: Record<string, string>;
  /** The media type of the body, lower-cased, without parameters. */
  contentType: string | undefined;
  bodyKind: BodyKind;
  /** Form and multipart bodies as an object; JSON as parsed; undefined when not inspected. */
  body: unknown;
  /** Only the method and path are known (a journal that keeps no query, headers or body). */
  routeOnly: boolean;
}

/** A file part of a multipart body, replaced by this marker before string checks. */
export const FILE_PART = "\u0000file";

function bodyKindOf(contentType: string | undefined, body: unknown): BodyKind {
  if (contentType === "application/json" || contentType?.endsWith("+json")) return "json";
  if (contentType === "application/x-www-form-urlencoded") return "form";
  if (contentType === "multipart/form-data") return "multipart";
  if (contentType) return "binary";
  if (body === undefined || body === null || body === "") return "none";
  // No content type but a parsed body: strings only reads as a form, anything else as JSON.
  if (body instanceof URLSearchParams) return "form";
  if (typeof body === "object" && !Array.isArray(body))
    return Object.values(body).every((value) => typeof value === "string") ? "form" : "json";
  return "json";
}

export function normalise(request: ContractRequest, routeOnly = false): CheckedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  const contentType = headers["content-type"]?.split(";")[0]?.trim().toLowerCase() || undefined;
  let body = request.body;
  if (body instanceof URLSearchParams) body = Object.fromEntries(body.entries());
  const bodyKind = bodyKindOf(contentType, body);
  if (bodyKind === "multipart" && body && typeof body === "object") {
    body = Object.fromEntries(
      Object.entries(body as Record<string, unknown>).map(([name, value]) => [
        name,
        typeof value === "string" ? value : FILE_PART,
      ]),
    );
  }
  return {
    method: request.method.toUpperCase(),
    path: request.path.split("?")[0] ?? "",
    query: request.query,
    headers,
    contentType,
    bodyKind,
    body: bodyKind === "binary" ? undefined : body,
    routeOnly,
  };
}

/** Form and multipart fields as strings (file parts as the marker); undefined for other bodies. */
export function formFields(request: CheckedRequest): Record<string, string> | undefined {
  if (request.bodyKind !== "form" && request.bodyKind !== "multipart") return undefined;
  if (!request.body || typeof request.body !== "object") return {};
  return Object.fromEntries(
    Object.entries(request.body as Record<string, unknown>).map(([name, value]) => [
      name,
      typeof value === "string" ? value : FILE_PART,
    ]),
  );
}

/** Parameter names as a short list for a message: the first ones, and how many more. */
export function nameList(names: Iterable<string>, limit = 12): string {
  const all = [...names];
  return all.length > limit ? `${all.slice(0, limit).join(", ")} … (${all.length - limit} more)` : all.join(", ");
}
