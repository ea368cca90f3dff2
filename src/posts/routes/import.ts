import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestOrigin } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { invalidInput } from "../../errors.js";
import { currentOrganization, currentUser } from "../../http/authorization.js";
import { assertMaySchedule } from "./access.js";
import { importColumns, importPosts, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from "../import.js";

const rowReport = z.object({
  line: z.number(),
  text: z.string(),
  accounts: z.array(z.object({ id: z.uuid(), name: z.string() })),
  scheduledAt: z.string().nullable(),
  slotLocalTime: z.string().nullable(),
  status: z.enum(["valid", "refused", "scheduled", "not_scheduled"]),
  postId: z.uuid().nullable(),
  problems: z.array(z.object({ field: z.enum(importColumns), message: z.string() })),
});

const importReport = z.object({
  importId: z.uuid().nullable(),
  mode: z.enum(["all_or_nothing", "partial"]),
  dryRun: z.boolean(),
  outcome: z.enum(["preview", "scheduled", "partial", "refused"]),
  summary: z.string(),
  rowCount: z.number(),
  scheduledCount: z.number(),
  refusedCount: z.number(),
  rows: z.array(rowReport),
});

const flag = z.enum(["true", "false"]).transform((value) => value === "true");

/** The CSV file: a text/csv body, or the one part `file` of a multipart form. */
async function uploadedFile(request: FastifyRequest): Promise<{ file: Buffer; fileName: string | null }> {
  if (!request.isMultipart()) {
    if (Buffer.isBuffer(request.body)) return { file: request.body, fileName: null };
    throw invalidInput("no_file", "Send the CSV file as a text/csv body or in the multipart field `file`.", "file");
  }
  let part: MultipartFile | undefined;
  try {
    part = await request.file({ limits: { fileSize: MAX_IMPORT_BYTES, files: 1 } });
    if (part?.fieldname === "file") return { file: await part.toBuffer(), fileName: part.filename || null };
  } catch (error) {
    // The parser's own failures (no boundary, a form cut short) carry no status: the sender's, a 400.
    if (typeof (error as { statusCode?: unknown }).statusCode === "number") throw error;
    throw invalidInput("malformed_upload", "The upload is not a complete multipart/form-data form.", "file");
  }
  throw invalidInput("no_file", "Send the CSV file in the field `file`.", "file");
}

export const importRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  app.addContentTypeParser("text/csv", { parseAs: "buffer", bodyLimit: MAX_IMPORT_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    "/api/posts/import",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["posts"],
        summary: `Import posts from CSV (a text/csv body, or multipart with the file in the field \`file\`; columns ${importColumns.join(", ")}; at most ${MAX_IMPORT_ROWS} rows). Every row is checked as POST /api/posts checks a post; all_or_nothing (the default) schedules nothing if a row is refused (422 with the report), partial schedules the valid rows and says it was partial. dryRun=true only reports. The same file again within 24 h is refused (409).`,
        querystring: z.object({
          mode: z.enum(["all_or_nothing", "partial"]).default("all_or_nothing"),
          queue: flag.default(false).describe("Rows without a time take their accounts' next free posting slots"),
          dryRun: flag.default(false),
        }),
        response: {
          200: z.object({ import: importReport }),
          422: z.object({
            error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
            import: importReport,
          }),
        },
      },
    },
    async (request, reply) => {
      const { file, fileName } = await uploadedFile(request);
      if (!request.query.dryRun) await assertMaySchedule(context, request, "file");
      const report = await importPosts(context, {
        organizationId: currentOrganization(request).id,
        userId: currentUser(request).id,
        origin: requestOrigin(request),
        file,
        fileName,
        ...request.query,
      });
      if (report.outcome === "refused") {
        const first = report.rows.find((row) => row.status === "refused")!;
        return reply.status(422).send({
          error: {
            code: "import_refused",
            message: `${report.summary} First: line ${first.line}, ${first.problems[0]!.field}: ${first.problems[0]!.message}`,
            field: "file",
          },
          import: report,
        });
      }
      return { import: report };
    },
  );
};
