import type { ContractPlatform, ContractRequest } from "./request.js";

const SANDBOX_PREFIXES: readonly ContractPlatform[] = ["meta", "x", "linkedin", "google", "telegram", "tiktok"];

/**
 * A sandbox URL path (`/x/2/tweets`, `/telegram/bot[redacted]/getMe`) as the platform and the
 * path its real API sees; undefined for the sandbox's own routes (`/_sandbox/…`).
 */
export function fromSandboxPath(path: string): { platform: ContractPlatform; path: string } | undefined {
  const [, prefix = "", ...rest] = path.split("?")[0]!.split("/");
  const platform = SANDBOX_PREFIXES.find((candidate) => candidate === prefix);
  return platform ? { platform, path: `/${rest.join("/")}` } : undefined;
}

/** The platforms' authorize pages, which a browser opens (GET) and the sandbox's consent form posts back to. */
const CONSENT_PAGES = [
  /^\/i\/oauth2\/authorize$/,
  /^\/o\/oauth2\/v2\/auth$/,
  /^\/oauth\/v2\/authorization$/,
  /^\/v2\/auth\/authorize\/$/,
  /^\/v\d+\.\d+\/dialog\/oauth$/,
];

/**
 * Requests only the sandbox has: its consent page posts the person's choice back to the
 * authorize path, where the real platform shows its own login pages. They have no contract.
 */
export function isSandboxOnly(request: Pick<ContractRequest, "method" | "path" | "body">): boolean {
  if (request.method.toUpperCase() !== "POST") return false;
  const decided = typeof request.body === "object" && request.body !== null && "sandbox_decision" in request.body;
  return decided || CONSENT_PAGES.some((page) => page.test(request.path));
}

/**
 * A request as a journal records it. The sandbox's journal today keeps method, path and status;
 * an entry that also keeps the query, headers and parsed body is checked in full, one without
 * them only for its method and path (and whatever its path's required parameters miss).
 */
export interface JournalRequest {
  /** The sandbox prefix (`x`, `meta`, `google`…) or a product platform name; read from the path when absent. */
  platform?: string;
  method: string;
  /** The sandbox path (`/x/2/tweets`) or, with `platform`, the real API's path; may carry the query. */
  path: string;
  query?: string | Record<string, string | string[] | undefined>;
  headers?: Record<string, string | string[] | undefined>;
  body?: unknown;
  status?: number;
  /** A fault the sandbox injected: the request was never the product's doing alone. */
  fault?: string;
}

const PLATFORMS = new Set<string>([
  "x",
  "youtube",
  "telegram",
  "facebook",
  "instagram",
  "linkedin",
  "tiktok",
  "meta",
  "google",
]);

function queryOf(entry: JournalRequest, pathQuery: string): URLSearchParams {
  const query = new URLSearchParams(pathQuery);
  if (typeof entry.query === "string")
    for (const [name, value] of new URLSearchParams(entry.query)) query.append(name, value);
  else if (entry.query)
    for (const [name, value] of Object.entries(entry.query)) {
      for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) query.append(name, item);
    }
  return query;
}

/**
 * The request a journal entry stands for, and whether only its route is known; undefined for
 * the sandbox's own routes and pages.
 */
export function journalRequest(entry: JournalRequest): { request: ContractRequest; routeOnly: boolean } | undefined {
  const [rawPath = "", pathQuery = ""] = entry.path.split("?");
  let platform: ContractPlatform;
  let path = rawPath;
  const located = fromSandboxPath(rawPath);
  if (entry.platform && PLATFORMS.has(entry.platform)) {
    platform = entry.platform as ContractPlatform;
    // A sandbox path keeps its prefix in the journal: the real API never sees it.
    if (located && located.platform === platform) path = located.path;
  } else if (located) {
    ({ platform, path } = located);
  } else {
    return undefined;
  }
  const request: ContractRequest = {
    platform,
    method: entry.method,
    path,
    query: queryOf(entry, pathQuery),
    headers: entry.headers ?? {},
    body: entry.body,
  };
  if (isSandboxOnly(request)) return undefined;
  const routeOnly = entry.query === undefined && entry.headers === undefined && entry.body === undefined && !pathQuery;
  return { request, routeOnly };
}

/** A journal file: a JSON array, `{ entries: [...] }` as GET /_sandbox/journal answers, or JSON Lines. */
export function parseJournal(text: string): JournalRequest[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith("[")) return JSON.parse(trimmed) as JournalRequest[];
  if (trimmed.startsWith("{") && !trimmed.includes("\n")) {
    const parsed = JSON.parse(trimmed) as { entries?: JournalRequest[] } & JournalRequest;
    return parsed.entries ?? [parsed];
  }
  try {
    const parsed = JSON.parse(trimmed) as { entries?: JournalRequest[] };
    if (parsed.entries) return parsed.entries;
  } catch {
    // One JSON object a line.
  }
  return trimmed
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as JournalRequest);
}
