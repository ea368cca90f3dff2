import type { Worker } from "node:worker_threads";
import type { ImageFit } from "../platforms/image-fit.js";
import type { EncodedImage } from "./media-image-codec.js";
import { startModuleThread } from "../threads.js";

/**
 * Image work, done in one worker thread: decoding a 12-megapixel JPEG in JavaScript takes
 * seconds, which on the server's thread would stall every request meanwhile. One thread, jobs
 * in turn: a page of new thumbnails takes one core, not all of them.
 */

export type { EncodedImage };

export class UndecodableImage extends Error {}

interface ImageOriginal {
  contentType: string;
  width?: number | null;
  height?: number | null;
}

export type ImageJob = { id: number; path: string; original: ImageOriginal } & (
  { kind: "convert"; fit: ImageFit; maxBytes: number } | { kind: "thumbnail" }
);

export type ImageJobAnswer = { id: number; image: EncodedImage } | { id: number; error: string; undecodable: boolean };

type Pending = { resolve: (image: EncodedImage) => void; reject: (error: Error) => void };

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextJobId = 0;

function imageWorker(): Worker {
  if (worker) return worker;
  const started = startModuleThread(import.meta.url, "media-image-worker");
  // Idle, it does not keep the process alive.
  started.unref();
  started.on("message", (answer: ImageJobAnswer) => {
    const waiting = pending.get(answer.id);
    pending.delete(answer.id);
    if (!waiting) return;
    if ("image" in answer) waiting.resolve({ ...answer.image, bytes: Buffer.from(answer.image.bytes) });
    else waiting.reject(answer.undecodable ? new UndecodableImage(answer.error) : new Error(answer.error));
  });
  // A thread that died (out of memory on a huge image) fails its jobs; the next job starts another.
  const failAll = (error: Error) => {
    worker = undefined;
    for (const waiting of pending.values()) waiting.reject(new UndecodableImage(error.message));
    pending.clear();
  };
  started.on("error", failAll);
  started.on("exit", (code) => failAll(new Error(`The image thread stopped (exit code ${code}).`)));
  worker = started;
  return started;
}

type JobOf<Kind> = Kind extends ImageJob["kind"] ? Omit<Extract<ImageJob, { kind: Kind }>, "id"> : never;

function run(job: JobOf<ImageJob["kind"]>): Promise<EncodedImage> {
  const id = nextJobId++;
  return new Promise<EncodedImage>((resolve, reject) => {
    const thread = imageWorker();
    pending.set(id, { resolve, reject });
    thread.ref();
    thread.postMessage({ ...job, id });
  }).finally(() => {
    if (pending.size === 0) worker?.unref();
  });
}

/** The JPEG a platform is sent: the fit's crop of the original, scaled to the fit's size, under maxBytes. */
export function convertImage(path: string, original: ImageOriginal, fit: ImageFit, maxBytes: number) {
  return run({ kind: "convert", path, original, fit, maxBytes });
}

/** A small JPEG of the whole picture for the library's grid. */
export function thumbnailImage(path: string, original: ImageOriginal) {
  return run({ kind: "thumbnail", path, original });
}
