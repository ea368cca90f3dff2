import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * A thread running the module `name` that sits beside `besideUrl` (the caller's import.meta.url):
 * its compiled neighbour when the server runs built, its source when it runs from source (tests,
 * `npm run dev`), through tsx registered in the thread first (a thread inherits no module hooks).
 */
export function startModuleThread(besideUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!besideUrl.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, besideUrl), options);
  const source = new URL(`./${name}.ts`, besideUrl).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  return new Worker(
    `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`,
    { ...options, eval: true },
  );
}
