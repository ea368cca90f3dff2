import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Secrets that appear in URLs are cut before a request line is logged: invitation links, the
 * code and state a platform sends back, and Telegram bot tokens (the Bot API puts them in the path).
 */
export function redactUrl(url: string): string {
  return url
    .replace(/\/(invite|invitations)\/[^/?#]+/g, "/$1/[redacted]")
    .replace(/(\/api\/auth\/callback\/[^/?#]+)\?.*/, "$1?[redacted]")
    .replace(/\/bot\d+:[^/?#]+/g, "/bot[redacted]");
}

/** Human-readable lines for a developer at a terminal; JSON lines everywhere else. */
export function prettyTerminalStream(): DestinationStream {
  return pino.transport({ target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname" } });
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
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
        ],
        censor: "[redacted]",
      },
      serializers: {
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
