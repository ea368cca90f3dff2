import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { isDatabaseUnreachable } from "../db/client.js";
import { DomainError, type FailureKind } from "../errors.js";

/** Failures of the HTTP edge itself (sessions, the control token, text checks), with their status. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly userMessage: string,
    readonly field?: string,
  ) {
    super(userMessage);
  }
}

/** The one place a domain failure gets its status. */
const statusOfFailure: Record<FailureKind, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_type: 415,
  throttled: 429,
  upstream: 502,
};

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

const uploadHint = "Send one file as multipart/form-data in the field `file`.";

/**
 * Errors Fastify and its plugins raise before a handler runs (the router, the body parsers,
 * multipart), in the app's words and shape. Keyed by their `code`.
 */
const frameworkErrors: Record<string, { statusCode: number; code: string; message: string; field?: string }> = {
  FST_ERR_BAD_URL: {
    statusCode: 400,
    code: "invalid_url",
    message: "The address is not valid: a part of its path is not URL-encoded correctly.",
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    statusCode: 414,
    code: "path_too_long",
    message: "A part of the address is too long for any route.",
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    statusCode: 415,
    code: "unsupported_content_type",
    message: "This content type is not accepted: send JSON (application/json), or multipart/form-data to upload.",
  },
  FST_ERR_CTP_INVALID_TYPE: {
    statusCode: 400,
    code: "invalid_content_type",
    message: "The Content-Type header is not valid.",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    statusCode: 400,
    code: "invalid_json",
    message: "The body is empty although its content type is JSON: send a JSON object, or no content type.",
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { statusCode: 400, code: "invalid_json", message: "The body is not valid JSON." },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    statusCode: 413,
    code: "body_too_large",
    message: "The body is larger than this endpoint accepts.",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    statusCode: 400,
    code: "invalid_content_length",
    message: "The body's length differs from its Content-Length header.",
  },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { statusCode: 415, code: "not_multipart", message: uploadHint, field: "file" },
  FST_REQ_FILE_TOO_LARGE: {
    statusCode: 413,
    code: "file_too_large",
    message: "The file is larger than uploads accept.",
    field: "file",
  },
  FST_FILES_LIMIT: { statusCode: 400, code: "too_many_files", message: uploadHint, field: "file" },
  FST_FIELDS_LIMIT: { statusCode: 400, code: "too_many_fields", message: uploadHint, field: "file" },
  FST_PARTS_LIMIT: { statusCode: 400, code: "too_many_parts", message: uploadHint, field: "file" },
  FST_PROTO_VIOLATION: { statusCode: 400, code: "invalid_field_name", message: uploadHint, field: "file" },
  FST_INVALID_JSON_FIELD_ERROR: { statusCode: 400, code: "invalid_json", message: uploadHint, field: "file" },
};

/** What any other 4xx from a plugin (such as the rate limiter) is called. */
const codeByStatus: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  408: "request_timeout",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_content_type",
  429: "too_many_requests",
};

function validationError(error: FastifyError & { validation: { instancePath: string; message?: string }[] }) {
  const [first] = error.validation;
  const field = first?.instancePath.replace(/^\//, "").replaceAll("/", ".") || undefined;
  const where = error.validationContext === "body" ? "" : `${error.validationContext} `;
  const message = error.validation
    .map((issue) => {
      const name = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
      return name ? `${where}${name}: ${issue.message}` : `${where}${issue.message}`;
    })
    .join("; ");
  return { statusCode: 400, body: { error: { code: "invalid_request", message, field } } };
}

/** Every error, whoever raised it, as `{ error: { code, message, field } }` and a status. */
function answerFor(error: FastifyError): { statusCode: number; body: ErrorBody } {
  if (error instanceof AppError) {
    return {
      statusCode: error.statusCode,
      body: { error: { code: error.code, message: error.userMessage, field: error.field } },
    };
  }
  if (error instanceof DomainError) {
    return {
      statusCode: statusOfFailure[error.kind],
      body: { error: { code: error.code, message: error.message, field: error.field } },
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) return validationError(error);
  const known = error.code ? frameworkErrors[error.code] : undefined;
  if (known) {
    const { statusCode, ...body } = known;
    return { statusCode, body: { error: body } };
  }
  if (isDatabaseUnreachable(error)) {
    return {
      statusCode: 503,
      body: {
        error: {
          code: "database_unavailable",
          message: "The database cannot be reached just now (it may be restarting). Try again in a moment.",
        },
      },
    };
  }
  const statusCode = error.statusCode ?? 500;
  if (statusCode >= 500 || statusCode < 400) {
    return {
      statusCode: 500,
      body: { error: { code: "internal_error", message: "Something went wrong on our side. Please try again." } },
    };
  }
  return { statusCode, body: { error: { code: codeByStatus[statusCode] ?? "request_error", message: error.message } } };
}

/**
 * The one way an error becomes an answer. A 5xx is logged through the logger's error serializer
 * (logger.ts), which keeps query parameters and database row values out of the log.
 */
export function replyWithError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const { statusCode, body } = answerFor(error);
  if (body.error.code === "database_unavailable") reply.header("retry-after", "5");
  else if (statusCode >= 500) request.log.error({ err: error }, "request failed");
  return reply.status(statusCode).send(body);
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (an address or headers over
 * Node's size limit, a request that is not HTTP, a timeout), in the app's shape.
 */
export function replyToClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [statusCode, body]: [number, ErrorBody] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, { error: { code: "request_timeout", message: "The request took too long to arrive." } }]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, { error: { code: "headers_too_large", message: "The address or the headers are too long." } }]
        : [400, { error: { code: "malformed_request", message: "The request is not valid HTTP." } }];
  const json = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Length: ${Buffer.byteLength(json)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: "not_found", message: `No route for ${request.method} ${request.url.split("?")[0]}.` } }),
  );
}
