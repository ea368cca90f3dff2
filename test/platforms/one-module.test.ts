import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { projectPath } from "../../src/paths.js";
import { platformIds } from "../../src/platforms/profiles.js";

/** Where a platform may be named: its own modules, the database's history, and the generated API types. */
const allowed = [
  path.join("src", "platforms") + path.sep,
  path.join("src", "db", "migrations") + path.sep,
  path.join("web", "src", "api", "schema.ts"),
];

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(projectPath(folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => path.relative(projectPath(), path.join(entry.parentPath, entry.name)));
}

test("a platform is one module: no file outside src/platforms names one", async () => {
  // X's one-letter id cannot be told from code; its former name stands for it.
  const names = new RegExp([...platformIds.filter((id) => id.length > 1), "twitter"].join("|"), "i");
  const files = [...(await sourceFiles("src")), ...(await sourceFiles(path.join("web", "src")))];
  assert.ok(files.length > 50, "the walk found the sources");
  const naming = [];
  for (const file of files) {
    if (allowed.some((place) => file.startsWith(place))) continue;
    if (names.test(await readFile(projectPath(file), "utf8"))) naming.push(file);
  }
  assert.deepEqual(naming, []);
});
