import type { ContentLimits } from "./limits.js";

/**
 * How an image is made acceptable to a platform that refuses it as uploaded: re-encoded as JPEG,
 * cropped about its centre into the platform's aspect-ratio range, scaled down to its widest.
 * Pure arithmetic, so the composer shows the same crop the server makes.
 */

/** The part of the original kept, in the original's pixels. */
export interface ImageCrop {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface ImageFit {
  contentType: "image/jpeg";
  width: number;
  height: number;
  /** Absent when the whole picture is kept. */
  crop?: ImageCrop;
  /** Why the original is not sent as is, in the user's words. */
  reasons: string[];
}

export interface ImageFacts {
  contentType: string;
  sizeBytes: number;
  width?: number | null;
  height?: number | null;
}

/** Image formats the product can decode and convert (every image type it accepts). */
export const convertibleImageTypes: readonly string[] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/**
 * The longest side a conversion made only to meet a size limit keeps: a file over the limit is
 * a large photo, and no feed shows more.
 */
const LONGEST_SIDE_FOR_SIZE = 4096;

/** Width ÷ height inside the platform's range, the nearest bound otherwise. */
function aspectWithin(limits: ContentLimits, aspect: number): number {
  if (!limits.imageAspect) return aspect;
  return Math.min(limits.imageAspect.max, Math.max(limits.imageAspect.min, aspect));
}

/**
 * What the platform is sent instead of this image, or undefined when the original goes as it is
 * or cannot be converted for this platform (it takes no JPEG, or the file is not an image we
 * decode): the platform's rules then judge the original.
 */
export function imageFitFor(limits: ContentLimits, image: ImageFacts): ImageFit | undefined {
  if (!convertibleImageTypes.includes(image.contentType) || !limits.imageTypes.includes("image/jpeg")) return undefined;
  const reasons: string[] = [];
  if (!limits.imageTypes.includes(image.contentType))
    reasons.push(`converted from ${image.contentType.replace("image/", "").toUpperCase()} to JPEG`);
  if (!image.width || !image.height)
    return reasons.length ? { contentType: "image/jpeg", width: 0, height: 0, reasons } : undefined;
  const { width, height } = image;
  const aspect = width / height;
  const fitted = aspectWithin(limits, aspect);
  let crop: ImageCrop | undefined;
  if (fitted > aspect) {
    const kept = Math.min(height, Math.floor(width / fitted));
    crop = { left: 0, top: Math.floor((height - kept) / 2), width, height: kept };
    reasons.push("cropped top and bottom to the platform's tallest shape");
  } else if (fitted < aspect) {
    const kept = Math.min(width, Math.floor(height * fitted));
    crop = { left: Math.floor((width - kept) / 2), top: 0, width: kept, height };
    reasons.push("cropped left and right to the platform's widest shape");
  }
  const keptWidth = crop?.width ?? width;
  const keptHeight = crop?.height ?? height;
  let scale = 1;
  if (limits.maxImageWidth && keptWidth > limits.maxImageWidth) {
    scale = limits.maxImageWidth / keptWidth;
    reasons.push(`scaled down to ${limits.maxImageWidth} pixels wide`);
  } else if (image.sizeBytes > limits.maxImageBytes) {
    scale = Math.min(1, LONGEST_SIDE_FOR_SIZE / Math.max(keptWidth, keptHeight));
    reasons.push(`re-encoded to fit ${Math.round(limits.maxImageBytes / 1024 / 1024)} MB`);
  }
  if (reasons.length === 0) return undefined;
  const outWidth = Math.max(1, Math.round(keptWidth * scale));
  let outHeight = Math.max(1, Math.round(keptHeight * scale));
  // Rounding must not carry the shape back out of the range.
  if (limits.imageAspect) {
    if (outWidth / outHeight > limits.imageAspect.max) outHeight = Math.ceil(outWidth / limits.imageAspect.max);
    if (outWidth / outHeight < limits.imageAspect.min) outHeight = Math.floor(outWidth / limits.imageAspect.min);
  }
  return { contentType: "image/jpeg", width: outWidth, height: outHeight, ...(crop ? { crop } : {}), reasons };
}
