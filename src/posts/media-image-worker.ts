import { parentPort } from "node:worker_threads";
import { convertImage, thumbnailImage } from "./media-image-codec.js";
import { UndecodableImage, type ImageJob, type ImageJobAnswer } from "./media-images.js";

async function answer(job: ImageJob): Promise<ImageJobAnswer> {
  try {
    const image =
      job.kind === "convert"
        ? await convertImage(job.path, job.original, job.fit, job.maxBytes)
        : await thumbnailImage(job.path, job.original);
    return { id: job.id, image };
  } catch (error) {
    return { id: job.id, error: (error as Error).message, undecodable: error instanceof UndecodableImage };
  }
}

/** The image thread: jobs in the order sent, one at a time, each answered with its id (media-images.ts sends them). */
let previous = Promise.resolve();
parentPort!.on("message", (job: ImageJob) => {
  previous = previous.then(async () => parentPort!.postMessage(await answer(job)));
});
