import type { ZodType } from "zod";
import { systemClock, type Clock } from "../clock.js";
import type { PlatformSettings } from "../config.js";
import { PlatformError, type PlatformFailure } from "./failure.js";
import { startCallReport, type PlatformCallRecord, type StatusClass } from "./call-record.js";
import type { PlatformId } from "./profiles.js";

/** A failed answer, as a platform's classify() sees it. */
/** Platforms ask API clients to name themselves; the sandbox also tells the product's calls from a test's by it. */
export const PRODUCT_USER_AGENT = "MarketSage-Social";

export interface ErrorResponse {
  status: number;
  headers: Headers;
  body: unknown;
  /** When it came, by the app's clock: a wait the platform names ("in 60 s") counts from here. */
  receivedAt: number;
}

export type Classifier = (response: ErrorResponse) => PlatformFailure | undefined;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function isLoopback(url: URL): boolean {
  return LOOPBACK.has(url.hostname);
}

/** The name, in each platform's `realHosts`, of its public site: the host of the links to posts. */
export const WEB_HOST = "web";

/**
 * The platform's hosts: its real ones, or those of its API replaced by the configured base URL
 * (a proxy or the sandbox). The `web` host, where people see posts and the links to them point,
 * follows its own setting: an API reached through a proxy still has its posts on the real site,
 * and a sandbox's posts are on the sandbox.
 */
export function resolveHosts(
  realHosts: Record<string, string>,
  settings: Pick<PlatformSettings, "baseUrl" | "webBaseUrl">,
): Record<string, URL> {
  const asBase = (url: URL) => new URL(url.toString().replace(/\/?$/, "/"));
  return Object.fromEntries(
    Object.entries(realHosts).map(([name, real]) => {
      const configured = name === WEB_HOST ? settings.webBaseUrl : settings.baseUrl;
      return [name, configured ? asBase(configured) : new URL(real)];
    }),
  );
}

/**
 * The base URL's path followed by the given one. (Resolving a relative URL would read a Telegram
 * path such as `bot123:AA…/getMe` as a URL with the scheme `bot123:`.)
 */
export function joinPath(base: URL, path: string): URL {
  const url = new URL(base);
  url.pathname = `${base.pathname.replace(/\/$/, "")}/${path.replace(/^\//, "")}`;
  return url;
}

export interface CallOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  host: string;
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  form?: Record<string, string | undefined>;
  /** Raw bytes (an upload URL's PUT), or a multipart form (X's media append). */
  bytes?: { data: Buffer; contentType: string };
  multipart?: FormData;
  /** An absolute URL the platform handed out (upload URLs), instead of host + path. */
  absoluteUrl?: URL;
  /** Statuses besides 2xx that answer normally (YouTube's 308 "resume incomplete"). */
  alsoOk?: number[];
  headers?: Record<string, string>;
  /** Send the bound token as a Bearer header (the default); false for calls that carry no token. */
  bearer?: boolean;
}

function messageOf(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return typeof body === "string" && body ? body.slice(0, 300) : undefined;
  const record = body as Record<string, unknown>;
  const nested =
    record.error && typeof record.error === "object" ? (record.error as Record<string, unknown>) : undefined;
  for (const candidate of [
    nested?.message,
    record.error_description,
    record.description,
    record.detail,
    record.message,
    record.error,
  ]) {
    if (typeof candidate === "string" && candidate) return candidate;
  }
  return undefined;
}

/**
 * When the platform says to come back, as seconds or an HTTP date (RFC 9110 §10.2.3).
 * https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function retryAfter(headers: Headers, now: number): Date | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return new Date(now + Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) && date > now ? new Date(date) : undefined;
}

/** What most platforms mean by a status, when their own classify() has nothing more precise. */
function defaultFailure(response: ErrorResponse): PlatformFailure {
  if (response.status === 429)
    return { kind: "rate_limited", retryAt: new Date(response.receivedAt + 60_000), scope: "account" };
  if (response.status >= 500) return { kind: "transient" };
  if (response.status === 401)
    return {
      kind: "token_invalid",
      reason: messageOf(response.body) ?? "The platform no longer accepts this connection's token.",
    };
  return {
    kind: "rejected",
    userMessage: messageOf(response.body) ?? `The platform refused the request (HTTP ${response.status}).`,
  };
}

/**
 * The one way the product calls a platform: bound to its hosts and (optionally) a token, with a
 * timeout, parsing the answer with a zod schema and turning every failure into a PlatformError.
 */
export interface ApiOptions {
  platform: PlatformId;
  hosts: Record<string, URL>;
  classify: Classifier;
  /** A request unanswered this long is abandoned: a GET is retried, anything else reconciled. */
  timeoutMs: number;
  token?: string;
  /** Aborts every call in flight: a worker that has lost the database stops calling platforms. */
  signal?: AbortSignal;
  /** The app's time, which waits a platform asks for are counted in; the system's when not given. */
  clock?: Clock;
  /** Told of every call once it ends, answered or not (platform API health, metrics). */
  observe?: (call: PlatformCallRecord) => void;
}

export function statusClassOf(status: number): StatusClass {
  return status >= 500 ? "5xx" : status >= 400 ? "4xx" : status >= 300 ? "3xx" : "2xx";
}

/** How a failed call ended: the platform's answer, or none (our deadline, or the network). */
export function endingOf(error: unknown): StatusClass {
  if (error instanceof PlatformError && error.status !== undefined) return statusClassOf(error.status);
  const cause = (error as { cause?: { name?: string } }).cause;
  return cause?.name === "TimeoutError" ? "timeout" : "network";
}

export class Api {
  constructor(private readonly options: ApiOptions) {}

  get platform(): PlatformId {
    return this.options.platform;
  }

  get clock(): Clock {
    return this.options.clock ?? systemClock;
  }

  withToken(token: string): Api {
    return new Api({ ...this.options, token });
  }

  url(host: string, path: string, query: Record<string, string | undefined> = {}): URL {
    const base = this.options.hosts[host];
    if (!base) throw new Error(`${this.platform} has no host named ${host}`);
    const url = joinPath(base, path);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
    return url;
  }

  async call<T>(schema: ZodType<T>, options: CallOptions): Promise<{ data: T; headers: Headers; status: number }> {
    const report = startCallReport(this.options.observe, {
      platform: this.platform,
      method: options.method ?? "GET",
      path: options.absoluteUrl?.pathname ?? options.path,
      clock: this.clock,
    });
    try {
      const answer = await this.exchange(schema, options);
      report(statusClassOf(answer.status));
      return answer;
    } catch (error) {
      report(endingOf(error), error instanceof PlatformError ? error.failure.kind : undefined);
      throw error;
    }
  }

  private async exchange<T>(
    schema: ZodType<T>,
    options: CallOptions,
  ): Promise<{ data: T; headers: Headers; status: number }> {
    const method = options.method ?? "GET";
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": PRODUCT_USER_AGENT,
      ...options.headers,
    };
    if (options.bearer !== false && this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let body: string | Uint8Array<ArrayBuffer> | FormData | undefined;
    if (options.bytes) {
      headers["content-type"] = options.bytes.contentType;
      body = new Uint8Array(options.bytes.data);
    } else if (options.multipart) {
      body = options.multipart;
    } else if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(
        Object.entries(options.form).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ).toString();
    }
    // One controller for the deadline and the caller's signal, held here until the answer is read:
    // a deadline combined through AbortSignal.any is held weakly and can be collected unfired.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException("the platform did not answer in time", "TimeoutError")),
      this.options.timeoutMs,
    );
    const stop = () => deadline.abort(this.options.signal?.reason);
    if (this.options.signal?.aborted) stop();
    else this.options.signal?.addEventListener("abort", stop, { once: true });
    const write = method !== "GET";
    let response: Response;
    let text: string;
    try {
      try {
        response = await fetch(options.absoluteUrl ?? this.url(options.host, options.path, options.query), {
          method,
          headers,
          body,
          signal: deadline.signal,
        });
      } catch (error) {
        // Refused before anything was sent is safe to retry; a request that may have arrived is not.
        const code = (error as { cause?: { code?: string } }).cause?.code;
        const beforeSending = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
        const failure: PlatformFailure =
          beforeSending || method === "GET" ? { kind: "transient" } : { kind: "ambiguous" };
        throw new PlatformError(this.platform, failure, {
          message: `network error (${code ?? (error as Error).name})`,
          cause: error,
        });
      }
      try {
        text = await response.text();
      } catch (error) {
        // The platform answered (it has the request) but the body was cut off.
        throw new PlatformError(this.platform, write ? { kind: "ambiguous" } : { kind: "transient" }, {
          message: `answer cut off (${(error as Error).name})`,
          status: response.status,
          cause: error,
        });
      }
    } finally {
      clearTimeout(timer);
      this.options.signal?.removeEventListener("abort", stop);
    }
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: kept as text for the error message.
    }
    if (!response.ok && !options.alsoOk?.includes(response.status)) {
      const answer: ErrorResponse = {
        status: response.status,
        headers: response.headers,
        body: parsed,
        receivedAt: this.clock.now(),
      };
      const classified = this.options.classify(answer) ?? defaultFailure(answer);
      // Whatever a platform's own reading of its limits, a Retry-After it sends is the word that counts.
      const comeBackAt = retryAfter(response.headers, answer.receivedAt);
      // A server error says nothing about whether a write was done before it failed: ask, don't resend.
      const failure: PlatformFailure =
        classified.kind === "transient" && write
          ? { kind: "ambiguous" }
          : classified.kind === "rate_limited" && comeBackAt
            ? { ...classified, retryAt: comeBackAt }
            : classified;
      throw new PlatformError(this.platform, failure, {
        message: messageOf(parsed) ?? `HTTP ${response.status}`,
        status: response.status,
      });
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      // A write that succeeded but answered in a shape we cannot read has still been done.
      throw new PlatformError(
        this.platform,
        write && response.ok
          ? { kind: "ambiguous" }
          : { kind: "rejected", userMessage: "The platform answered in an unexpected shape." },
        {
          message: `unexpected answer from ${options.path}: ${result.error.issues[0]?.message}`,
          status: response.status,
        },
      );
    }
    return { data: result.data, headers: response.headers, status: response.status };
  }
}
