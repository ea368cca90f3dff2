import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { apiTypesFile, generateApiTypes } from "../../scripts/api-types.js";

test("the dashboard's API types are those of the OpenAPI document the API serves", async () => {
  const [committed, generated] = await Promise.all([readFile(apiTypesFile, "utf8"), generateApiTypes()]);
  if (committed === generated) return;
  const committedLines = committed.split("\n");
  const generatedLines = generated.split("\n");
  const line = Array.from({ length: Math.max(committedLines.length, generatedLines.length) }, (_, index) => index).find(
    (index) => committedLines[index] !== generatedLines[index],
  )!;
  assert.fail(
    `web/src/api/schema.ts no longer matches the routes' schemas (from line ${line + 1}: ` +
      `committed ${JSON.stringify(committedLines[line]?.trim())}, now ${JSON.stringify(generatedLines[line]?.trim())}): ` +
      "run npm run api:types",
  );
});
