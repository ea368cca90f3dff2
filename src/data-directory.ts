import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export interface ServerFile {
  pid: number;
  port?: number;
  controlToken: string;
}

export function serverFilePath(dataDir: string): string {
  return path.resolve(dataDir, "server.json");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The running embedded server's pid, port and control token, if one holds the folder. */
export async function readLiveServer(dataDir: string): Promise<ServerFile | undefined> {
  try {
    const server = JSON.parse(await readFile(serverFilePath(dataDir), "utf8")) as ServerFile;
    return isAlive(server.pid) ? server : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The embedded database must be opened by one process only: a second server on the same data
 * folder would corrupt it. The claim also carries a control token (file mode 0600) that local
 * commands such as `npm run keys:rotate` present to the running server.
 */
export async function claimDataDirectory(dataDir: string) {
  await mkdir(dataDir, { recursive: true });
  const running = await readLiveServer(dataDir);
  if (running && running.pid !== process.pid) {
    throw new Error(
      `Another MarketSage server (pid ${running.pid}) is using ${path.resolve(dataDir)}. Stop it or set DATA_DIR.`,
    );
  }
  const file = serverFilePath(dataDir);
  const server: ServerFile = { pid: process.pid, controlToken: randomBytes(32).toString("base64url") };
  const write = () => writeFile(file, JSON.stringify(server), { mode: 0o600 });
  await write();
  return {
    controlToken: server.controlToken,
    async publish(details: { port: number }) {
      server.port = details.port;
      await write();
    },
    release: () => rm(file, { force: true }),
  };
}
