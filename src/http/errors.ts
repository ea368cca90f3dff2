import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";

/** The app's own failures: `message` is for logs and developers, `userMessage` for people. */
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

export const notFound = (what: string) => new AppError(404, "not_found", `${what} was not found.`);
export const conflict = (code: string, userMessage: string, field?: string) =>
  new AppError(409, code, userMessage, field);
export const badRequest = (code: string, userMessage: string, field?: string) =>
  new AppError(400, code, userMessage, field);

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.statusCode).send({
        error: { code: error.code, message: error.userMessage, field: error.field },
      } satisfies ErrorBody);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const [first] = error.validation;
      const field = first?.instancePath.replace(/^\//, "").replaceAll("/", ".") || undefined;
      const where = error.validationContext === "body" ? "" : `${error.validationContext} `;
      const message = error.validation
        .map((issue) => {
          const name = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
          return name ? `${where}${name}: ${issue.message}` : `${where}${issue.message}`;
        })
        .join("; ");
      return reply.status(400).send({ error: { code: "invalid_request", message, field } } satisfies ErrorBody);
    }
    const statusCode = error.statusCode ?? 500;
    if (statusCode >= 500) {
      request.log.error({ err: error }, "request failed");
      return reply
        .status(statusCode)
        .send({ error: { code: "internal_error", message: "Something went wrong on our side. Please try again." } });
    }
    return reply
      .status(statusCode)
      .send({ error: { code: error.code?.toLowerCase() ?? "request_error", message: error.message } });
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: "not_found", message: `No route for ${request.method} ${request.url.split("?")[0]}.` } }),
  );
}
