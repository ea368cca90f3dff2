/**
 * Builds the server (tsc) and the dashboard (vite) — each only when its inputs changed since its
 * last successful build, so `npm start` after a restart does not spend twenty seconds rebuilding
 * what is already built. Inputs are compared by content, not modification time, so a checkout
 * that touches files without changing them costs nothing and one that changes them is never
 * missed. `--force` builds both regardless.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const stampsFile = path.join(root, "dist", "build-stamps.json");

const toolchain = ["package-lock.json", "tsconfig.json"];
const parts = {
  server: {
    // The build itself runs from here, so a change to this script rebuilds as well.
    inputs: ["src", "sandbox", "start.ts", "tsconfig.build.json", "scripts/build.mjs", ...toolchain],
    output: "dist/server",
    build: () => {
      rmSync(path.join(root, "dist/server"), { recursive: true, force: true });
      run("tsc", ["-p", "tsconfig.build.json"]);
    },
  },
  web: {
    // The dashboard imports the pure parts of src/ (platform profiles, shared rules).
    inputs: ["web", "src", "vite.config.ts", "scripts/build.mjs", ...toolchain],
    output: "dist/web",
    build: () => run("vite", ["build", "--logLevel", "warn"]),
  },
};

function run(tool, args) {
  execFileSync(path.join(root, "node_modules", ".bin", tool), args, { cwd: root, stdio: "inherit" });
}

function filesUnder(relative) {
  const absolute = path.join(root, relative);
  if (!existsSync(absolute)) return [];
  if (!statSync(absolute).isDirectory()) return [relative];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

function digestOf(inputs) {
  const hash = createHash("sha256");
  for (const file of inputs.flatMap(filesUnder).sort()) {
    hash
      .update(file)
      .update("\0")
      .update(readFileSync(path.join(root, file)))
      .update("\0");
  }
  return hash.digest("hex");
}

const force = process.argv.includes("--force");
mkdirSync(path.dirname(stampsFile), { recursive: true });
const stamps = existsSync(stampsFile) ? JSON.parse(readFileSync(stampsFile, "utf8")) : {};
for (const [name, part] of Object.entries(parts)) {
  const digest = digestOf(part.inputs);
  if (!force && stamps[name] === digest && existsSync(path.join(root, part.output))) continue;
  // Forgotten before building, so a build that fails half-way is never taken as done.
  delete stamps[name];
  writeFileSync(stampsFile, JSON.stringify(stamps));
  part.build();
  stamps[name] = digest;
  writeFileSync(stampsFile, JSON.stringify(stamps));
}
