import { Ajv, type ErrorObject } from "ajv";
import ajvFormats from "ajv-formats";

/**
 * JSON Schema validation through ajv, which the sandbox's Fastify already brings (no new
 * dependency). OpenAPI 3.0 and discovery documents carry keywords ajv does not know
 * (`nullable`, `example`, `discriminator`): strict mode is off so they are ignored, not refused.
 */
export function newAjv(options: { coerceTypes?: boolean } = {}): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: options.coerceTypes ?? false });
  // ajv-formats is CommonJS: its function is the module itself under Node, `.default` under some loaders.
  const plugin = ajvFormats as unknown as { default?: (ajv: Ajv) => Ajv } & ((ajv: Ajv) => Ajv);
  (plugin.default ?? plugin)(ajv);
  return ajv;
}

function describe(error: ErrorObject, root: string): string {
  const where = `${root}${error.instancePath.replace(/\//g, ".")}`;
  switch (error.keyword) {
    case "additionalProperties":
      return `${where} has \`${(error.params as { additionalProperty: string }).additionalProperty}\`, which the spec does not define`;
    case "required":
      return `${where} lacks the required \`${(error.params as { missingProperty: string }).missingProperty}\``;
    case "enum":
      return `${where} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((value) => JSON.stringify(value)).join(", ")}`;
    default:
      return `${where} ${error.message ?? "is invalid"}`;
  }
}

/** ajv's errors as one sentence: the specific ones first (a failed anyOf says little on its own). */
export function describeErrors(errors: ErrorObject[] | null | undefined, root: string): string {
  const all = errors ?? [];
  const specific = all.filter((error) => !["anyOf", "oneOf", "if"].includes(error.keyword));
  const chosen = (specific.length > 0 ? specific : all).slice(0, 3);
  return [...new Set(chosen.map((error) => describe(error, root)))].join("; ");
}
