import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { performance } from "node:perf_hooks";
import { checkedLookup, endpointUrlProblem, InternalAddressError, type AddressPolicy } from "./addresses.js";

/** One attempt's outcome: the status when an answer came, how long it took, and what went wrong. */
export interface AttemptOutcome {
  delivered: boolean;
  status: number | null;
  durationMs: number;
  error: string | null;
}

class AttemptTimeout extends Error {}

/** An answer's body is not kept: reading more than this of it ends the connection. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one webhook message. Only a 2xx is a delivery; a redirect is a failure, never followed
 * (it could lead anywhere, the checks above included). The connection goes to the address the
 * checked lookup approved, on a fresh socket each time (no pooled connection to an old address).
 */
export async function sendWebhook(options: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  policy: AddressPolicy;
}): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const problem = endpointUrlProblem(options.url, options.policy);
  if (problem) return { delivered: false, status: null, durationMs: 0, error: `The endpoint's URL ${problem}.` };
  const url = new URL(options.url);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request(url, {
        method: "POST",
        headers: { ...options.headers, "content-length": Buffer.byteLength(options.body).toString() },
        lookup: checkedLookup(options.policy),
        agent: false,
      });
      const timer = setTimeout(() => outgoing.destroy(new AttemptTimeout()), options.timeoutMs);
      outgoing.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      // The status decides; the body is read and dropped, within the same time and a size limit.
      outgoing.on("response", (answer: IncomingMessage) => {
        let read = 0;
        answer.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) answer.destroy();
        });
        answer.on("error", () => undefined);
        answer.on("close", () => clearTimeout(timer));
        resolve(answer.statusCode ?? 0);
      });
      outgoing.end(options.body);
    });
    const delivered = status >= 200 && status < 300;
    return {
      delivered,
      status,
      durationMs: elapsed(),
      error: delivered
        ? null
        : status >= 300 && status < 400
          ? `The endpoint answered ${status}, a redirect; redirects are not followed, so register the final address.`
          : `The endpoint answered ${status}.`,
    };
  } catch (error) {
    return { delivered: false, status: null, durationMs: elapsed(), error: reasonOf(error, options.timeoutMs) };
  }
}

function reasonOf(error: unknown, timeoutMs: number): string {
  if (error instanceof AttemptTimeout) return `No answer within ${timeoutMs / 1000} s.`;
  if (error instanceof InternalAddressError) return `${error.message}.`;
  const code = (error as { code?: unknown }).code;
  return `Could not reach the endpoint (${typeof code === "string" ? code : error instanceof Error ? error.message : "unknown error"}).`;
}
