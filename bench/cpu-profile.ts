/**
 * Loaded into the product's processes by `npm run bench:publish -- --profile DIR` (through
 * NODE_OPTIONS, which may not carry --cpu-prof): profiles the whole process and writes
 * DIR/{pid}.cpuprofile as it exits, for Chrome DevTools or any .cpuprofile reader.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import path from "node:path";

const directory = process.env.BENCH_PROFILE_DIR;
if (directory) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  // The in-thread session answers synchronously, so the profile is written before the process ends.
  process.once("exit", () =>
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(path.join(directory, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    }),
  );
}
