import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import path from "node:path";
import { PassThrough } from "node:stream";
import type { Multipart } from "@fastify/multipart";
import type { AppContext } from "../context.js";
import { DomainError } from "../errors.js";
import { checkedLookup, endpointHostProblem, endpointUrlProblem } from "../webhooks/addresses.js";
import { acceptedTypes, storeUpload, type MediaRecord } from "./media.js";

/** How long a media host may take to start answering and to send the file. */
const FETCH_TIMEOUT_MS = 30_000;

const refused = (message: string) => new DomainError("invalid_input", "media_url_refused", message, "media_url");

/**
 * What is wrong with a media URL before anything is fetched: it must name a public host, as a
 * webhook endpoint must (the same address checks), since our servers fetch it.
 */
export async function mediaUrlProblem(context: AppContext, url: string): Promise<string | undefined> {
  const policy = context.config.webhooks;
  const problem = endpointUrlProblem(url, policy) ?? (await endpointHostProblem(url, policy));
  return problem ? `The media URL ${problem}.` : undefined;
}

function get(context: AppContext, url: URL): Promise<IncomingMessage> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: "GET",
      // The address connected to is the one checked: no second resolution a rebinding name could answer differently.
      lookup: checkedLookup(context.config.webhooks),
      agent: false,
      timeout: FETCH_TIMEOUT_MS,
    });
    outgoing.on("timeout", () =>
      outgoing.destroy(refused(`The media URL did not answer within ${FETCH_TIMEOUT_MS / 1000} s.`)),
    );
    outgoing.on("error", reject);
    outgoing.on("response", resolve);
    outgoing.end();
  });
}

/**
 * Fetches a file an import names by URL and stores it as an upload is stored (media.ts checks its
 * type against its content and its size against the limit while it streams). A redirect is not
 * followed: it could lead anywhere, the address checks included.
 */
export async function fetchMedia(
  context: AppContext,
  options: { organizationId: string; userId: string; url: string },
): Promise<MediaRecord> {
  const problem = await mediaUrlProblem(context, options.url);
  if (problem) throw refused(problem);
  const url = new URL(options.url);
  let answer: IncomingMessage;
  try {
    answer = await get(context, url);
  } catch (error) {
    throw error instanceof DomainError
      ? error
      : refused(`The media URL could not be fetched (${(error as Error).message}).`);
  }
  if (answer.statusCode !== 200) {
    answer.destroy();
    throw refused(
      answer.statusCode && answer.statusCode >= 300 && answer.statusCode < 400
        ? "The media URL redirects elsewhere: give the file's own address."
        : `The media URL answered ${answer.statusCode}, not the file.`,
    );
  }
  const contentType = (answer.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (!acceptedTypes.includes(contentType)) {
    answer.destroy();
    throw refused(
      `The media URL serves ${contentType || "no declared type"}, not an image or video that can be posted.`,
    );
  }
  const maxBytes = context.config.media.maxBytes;
  if (Number(answer.headers["content-length"] ?? 0) > maxBytes) {
    answer.destroy();
    throw refused(`The file at the media URL is over ${Math.round(maxBytes / 1024 / 1024)} MB.`);
  }
  // The file as the upload form's one part, so the upload's own checks and storage apply to it.
  const file = Object.assign(new PassThrough(), { truncated: false });
  let received = 0;
  answer.on("data", (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) {
      file.truncated = true;
      answer.destroy();
      file.end();
    } else file.write(chunk);
  });
  answer.on("end", () => file.end());
  answer.on("error", (error) => file.destroy(error));
  const part = {
    type: "file",
    fieldname: "file",
    filename: path.basename(url.pathname) || "media",
    mimetype: contentType,
    file,
  } as unknown as Multipart;
  const parts = [part][Symbol.iterator]();
  return storeUpload(context, {
    organizationId: options.organizationId,
    userId: options.userId,
    parts: { next: async () => parts.next() },
  });
}
