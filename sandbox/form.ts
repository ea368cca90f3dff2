import type { FastifyRequest } from "fastify";

export interface UploadedFile {
  field: string;
  filename: string;
  mimetype: string;
  bytes: Buffer;
}

export interface RequestForm {
  fields: Record<string, string>;
  files: UploadedFile[];
}

/**
 * Parameters as the platforms accept them: query string, JSON, url-encoded form, or multipart
 * (files kept in memory: the sandbox only counts and checks them). Body wins over query.
 */
export async function readForm(request: FastifyRequest): Promise<RequestForm> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (typeof value === "string") fields[name] = value;
  }
  const files: UploadedFile[] = [];
  if (request.isMultipart()) {
    for await (const part of request.parts({ limits: { fileSize: 1024 * 1024 * 1024, files: 20 } })) {
      if (part.type === "file") {
        files.push({
          field: part.fieldname,
          filename: part.filename,
          mimetype: part.mimetype,
          bytes: await part.toBuffer(),
        });
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
    return { fields, files };
  }
  const body = request.body;
  if (body && typeof body === "object" && !Buffer.isBuffer(body)) {
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      fields[name] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { fields, files };
}
