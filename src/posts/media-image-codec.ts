import { readFile } from "node:fs/promises";
import decodeWebp, { init as initWebpDecoder } from "@jsquash/webp/decode.js";
import { Jimp } from "jimp";
import type { ImageFit } from "../platforms/image-fit.js";
import { UndecodableImage } from "./media-images.js";

/**
 * Decoding, cropping, scaling and JPEG encoding in pure JavaScript (Jimp) and WebAssembly (the
 * WebP decoder): no native binaries to install or build. Seconds of work for a large photo, so
 * it runs in a worker thread (media-images.ts), never on the server's event loop.
 */

type Picture = Awaited<ReturnType<typeof Jimp.read>>;

/** More pixels than a camera takes: decoding one holds four bytes a pixel in memory. */
const MAX_DECODED_PIXELS = 60_000_000;
/** The library grid's squares are at most this wide, at twice a phone's pixel density. */
const THUMBNAIL_SIDE = 320;
const JPEG_QUALITY = 85;
const THUMBNAIL_QUALITY = 75;
/** The quality a JPEG over its platform's size limit is re-encoded at, step by step. */
const FALLBACK_QUALITIES = [75, 60];

let webpDecoder: Promise<void> | undefined;

/** Emscripten also takes the WebAssembly's bytes among its options, which the package's types leave out. */
type DecoderOptions = Parameters<typeof initWebpDecoder>[0] & { wasmBinary: Uint8Array };

/** The WebP decoder fetches its WebAssembly by URL in browsers; here it is read from the package. */
function webpReady(): Promise<void> {
  webpDecoder ??= readFile(new URL(import.meta.resolve("@jsquash/webp/codec/dec/webp_dec.wasm"))).then((bytes) => {
    const options: DecoderOptions = { wasmBinary: bytes };
    return initWebpDecoder(options);
  });
  return webpDecoder;
}

async function decode(bytes: Buffer, contentType: string): Promise<Picture> {
  try {
    if (contentType === "image/webp") {
      await webpReady();
      const pixels = await decodeWebp(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
      );
      return Jimp.fromBitmap({ data: Buffer.from(pixels.data.buffer), width: pixels.width, height: pixels.height });
    }
    return await Jimp.read(bytes);
  } catch (error) {
    throw new UndecodableImage(`The image could not be decoded: ${(error as Error).message}`);
  }
}

/** JPEG has no transparency: transparent parts show white, as on a page, rather than black. */
function flattened(picture: Picture): Picture {
  const background = new Jimp({ width: picture.width, height: picture.height, color: 0xffffffff });
  return background.composite(picture, 0, 0);
}

export interface EncodedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

async function readPicture(path: string, contentType: string, knownPixels: number | undefined): Promise<Picture> {
  if (knownPixels && knownPixels > MAX_DECODED_PIXELS)
    throw new UndecodableImage(
      `The image has over ${MAX_DECODED_PIXELS / 1_000_000} million pixels: too large to convert.`,
    );
  return decode(await readFile(path), contentType);
}

/** The JPEG a platform is sent: the fit's crop of the original, scaled to the fit's size, under maxBytes. */
export async function convertImage(
  path: string,
  original: { contentType: string; width?: number | null; height?: number | null },
  fit: ImageFit,
  maxBytes: number,
): Promise<EncodedImage> {
  const picture = await readPicture(path, original.contentType, (original.width ?? 0) * (original.height ?? 0));
  if (fit.crop) picture.crop({ x: fit.crop.left, y: fit.crop.top, w: fit.crop.width, h: fit.crop.height });
  // A fit planned without the header's size (width 0) keeps the decoded size.
  if (fit.width > 0 && (picture.width !== fit.width || picture.height !== fit.height))
    picture.resize({ w: fit.width, h: fit.height });
  const flat = flattened(picture);
  let bytes = await flat.getBuffer("image/jpeg", { quality: JPEG_QUALITY });
  for (const quality of FALLBACK_QUALITIES) {
    if (bytes.length <= maxBytes) break;
    bytes = await flat.getBuffer("image/jpeg", { quality });
  }
  return { bytes, width: flat.width, height: flat.height };
}

/** A small JPEG of the whole picture for the library's grid, its longer side THUMBNAIL_SIDE at most. */
export async function thumbnailImage(
  path: string,
  original: { contentType: string; width?: number | null; height?: number | null },
): Promise<EncodedImage> {
  const picture = await readPicture(path, original.contentType, (original.width ?? 0) * (original.height ?? 0));
  if (Math.max(picture.width, picture.height) > THUMBNAIL_SIDE)
    picture.scaleToFit({ w: THUMBNAIL_SIDE, h: THUMBNAIL_SIDE });
  const flat = flattened(picture);
  return {
    bytes: await flat.getBuffer("image/jpeg", { quality: THUMBNAIL_QUALITY }),
    width: flat.width,
    height: flat.height,
  };
}
