import { DrizzleQueryError } from "drizzle-orm/errors";
import pino, { type DestinationStream, type Logger } from "pino";
import { correlationFields } from "./correlation.js";

/**
 * Secrets that travel in URL paths, cut before a request line is logged. test/logging.test.ts
 * walks every route the app serves and checks each secret-bearing one against this list.
 */
export const secretsInPaths: { what: string; pattern: RegExp; replacement: string }[] = [
  { what: "invitation links", pattern: /^(\/api\/invitations|\/invite)\/[^/?#]+/, replacement: "$1/[redacted]" },
  {
    what: "media tokens (platforms fetch files by them)",
    pattern: /^\/media\/[^/?#]+/,
    replacement: "/media/[redacted]",
  },
  {
    what: "short link codes (published, but a scheduled post's are not yet; clicks are counted apart)",
    pattern: /^\/l\/[^/?#]+/,
    replacement: "/l/[redacted]",
  },
  {
    what: "report share links (anyone holding one reads the report)",
    pattern: /^\/r\/[^/?#]+/,
    replacement: "/r/[redacted]",
  },
  {
    what: "bot tokens (a bot platform's API puts them in the path)",
    pattern: /\/bot\d+:[^/?#]+/g,
    replacement: "/bot[redacted]",
  },
];

/**
 * Query parameters whose values are logged: the API's own filters. Every other value is cut, so
 * a secret in a query string (an OAuth `code` or `state`, an access token, an upload session)
 * stays out of the log without anyone having to name it first.
 */
export const loggedQueryParameters: ReadonlySet<string> = new Set([
  "action",
  "actorApiKeyId",
  "actorUserId",
  "before",
  "from",
  "includeDisconnected",
  "limit",
  "scope",
  "since",
  "targetType",
  "to",
  "until",
]);

export function redactUrl(url: string): string {
  const queryStart = url.indexOf("?");
  let path = queryStart === -1 ? url : url.slice(0, queryStart);
  for (const { pattern, replacement } of secretsInPaths) path = path.replace(pattern, replacement);
  if (queryStart === -1) return path;
  const query = url
    .slice(queryStart + 1)
    .split("&")
    .map((pair) => {
      const name = pair.split("=", 1)[0]!;
      return loggedQueryParameters.has(name) || !pair.includes("=") ? pair : `${name}=[redacted]`;
    })
    .join("&");
  return `${path}?${query}`;
}

/**
 * What an error may put in the log besides its type, message and stack. Everything else stays
 * out: a query's parameters (a password hash, an email, a post), a database error's `detail`
 * (the row's values), a response body.
 */
const loggedErrorFields = [
  "code",
  "statusCode",
  "status",
  "severity",
  "constraint",
  "table",
  "column",
  "dataType",
  "routine",
  "platform",
  "platformCode",
  "failure",
];

const isDatabaseError = (error: Error & { severity?: unknown; code?: unknown }) =>
  typeof error.severity === "string" && typeof error.code === "string";

/** The message without the values it quotes: PostgreSQL ends messages about a bad value with `: "the value"`. */
function loggableMessage(error: Error): string {
  // Drizzle's message is the query followed by every parameter; the query is logged on its own.
  if (error instanceof DrizzleQueryError) return "Failed query";
  if (isDatabaseError(error)) return error.message.replace(/: ".*"$/s, ': "[value]"');
  return error.message;
}

const MAX_CAUSES = 5;

/** pino's `err` serializer: the error, its causes and the SQL text, never the values. */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const message = loggableMessage(error);
  const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
  const serialized: Record<string, unknown> = {
    type: isDatabaseError(error) ? "DatabaseError" : error.constructor.name || error.name,
    message,
    stack: [`${error.name}: ${message}`, ...frames].join("\n"),
  };
  if (error instanceof DrizzleQueryError) serialized.query = error.query;
  const fields = error as unknown as Record<string, unknown>;
  for (const field of loggedErrorFields) if (fields[field] !== undefined) serialized[field] = fields[field];
  if (error.cause !== undefined && depth < MAX_CAUSES) serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}

/** Human-readable lines for a developer at a terminal; JSON lines everywhere else. */
export function prettyTerminalStream(): DestinationStream {
  return pino.transport({ target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname" } });
}

/**
 * Standard output, written asynchronously: a line waits while the previous write is under way and
 * goes out with the lines that joined it, rather than one blocking write per line on the request
 * path. pino flushes what is pending when the process exits.
 */
const standardOutput = () => pino.destination({ dest: 1, sync: false });

export function createLogger(level: string, destination: DestinationStream = standardOutput()): Logger {
  return pino(
    {
      level,
      mixin: correlationFields,
      redact: {
        paths: [
          "req.headers.cookie",
          "req.headers.authorization",
          'res.headers["set-cookie"]',
          "*.password",
          "*.token",
          "*.accessToken",
          "*.refreshToken",
          "*.access_token",
          "*.refresh_token",
          "*.controlToken",
          "*.secret",
        ],
        censor: "[redacted]",
      },
      serializers: {
        err: serializeError,
        req: (request: { method: string; url: string; ip?: string }) => ({
          method: request.method,
          url: redactUrl(request.url),
          ip: request.ip,
        }),
      },
    },
    destination,
  );
}
