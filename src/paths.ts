import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding package.json, found from this file whether it runs from src/ or dist/. */
function findProjectRoot(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(directory, "package.json"))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error("package.json not found above the server's code");
    directory = parent;
  }
  return directory;
}

const projectRoot = findProjectRoot();

export function projectPath(...segments: string[]): string {
  return path.join(projectRoot, ...segments);
}
