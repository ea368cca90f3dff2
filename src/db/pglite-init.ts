/**
 * Creates and migrates a new embedded database in the directory given as the only argument,
 * then ends: run by openDatabase in a process of its own (see client.ts for why).
 */
import { openMigratedPglite } from "./client.js";

const directory = process.argv[2];
if (!directory) throw new Error("usage: pglite-init DIRECTORY");
const { pglite } = await openMigratedPglite(directory);
await pglite.close();
