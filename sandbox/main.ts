import { parseArgs } from "node:util";
import { createSandbox } from "./index.js";

/**
 * `npm run sandbox`: the platform emulator on its own. PORT (0 for any free port), and
 * optionally --persist FILE, --rate-limit-scale N, --latency-ms N, and how long the platforms take to
 * process media: --video-processing-seconds N (30 by default) and --image-processing-seconds N
 * (Instagram's image containers, 5 by default), on the sandbox's clock (POST /_sandbox/clock moves it).
 */
const { values } = parseArgs({
  options: {
    persist: { type: "string" },
    "rate-limit-scale": { type: "string" },
    "latency-ms": { type: "string" },
    "video-processing-seconds": { type: "string", default: "30" },
    "image-processing-seconds": { type: "string", default: "5" },
    host: { type: "string", default: "127.0.0.1" },
  },
});

// The sandbox is a development tool outside src/, so it reads its few settings here.
const port = Number(process.env.PORT ?? 4000);
const sandbox = await createSandbox({
  lifetimes: {
    videoProcessingSeconds: Number(values["video-processing-seconds"]),
    instagramImageProcessingSeconds: Number(values["image-processing-seconds"]),
  },
  persistFile: values.persist,
  rateLimitScale: values["rate-limit-scale"] ? Number(values["rate-limit-scale"]) : undefined,
  latencyMs: values["latency-ms"] ? Number(values["latency-ms"]) : undefined,
});
const url = await sandbox.listen(port, values.host);
console.log(`Platform sandbox listening on ${url.toString()}`);
for (const [prefix, hosts] of Object.entries({
  meta: "Facebook + Instagram",
  x: "X",
  linkedin: "LinkedIn",
  google: "Google / YouTube",
  telegram: "Telegram",
})) {
  console.log(`  ${hosts.padEnd(22)} ${new URL(`/${prefix}`, url).toString()}`);
}
console.log(`  control                ${new URL("/_sandbox", url).toString()}`);

const stop = async () => {
  sandbox.state.save();
  await sandbox.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
