import { main } from "./src/main.js";
import { sandboxTwin } from "./sandbox/twin.js";

/**
 * `npm start`: the product, plus — in development, for platforms without credentials — the
 * platform sandbox in the same process, so a fresh clone can connect all six platforms.
 * Production runs src/main.ts, which never loads the sandbox (and the runtime ignores the twin
 * when NODE_ENV=production or SANDBOX_TWIN=false).
 */
await main({ sandboxTwin: sandboxTwin() });
