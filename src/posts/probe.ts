import { open } from "node:fs/promises";

/**
 * What validation needs to know about a file without a media toolkit: an image's size from its
 * header (JPEG, PNG, GIF, WebP) and a video's duration from its MP4/MOV `mvhd` box. Unknown is
 * an answer too: a file these cannot read is not refused for it.
 */
export interface Probe {
  width?: number;
  height?: number;
  durationSeconds?: number;
}

/** ISO base media brands QuickTime writes; any other `ftyp` is MP4 (isom, mp41, mp42, avc1, M4V…). */
const QUICKTIME_BRANDS = new Set(["qt  "]);

/**
 * What a file is, from its own first bytes (its signature), whatever the upload declared:
 * JPEG, PNG, GIF, WebP, MP4 or QuickTime (an ISO base media `ftyp` box), WebM (EBML).
 */
export function sniffContentType(header: Buffer): string | undefined {
  if (header.length >= 3 && header[0] === 0xff && header[1] === 0xd8 && header[2] === 0xff) return "image/jpeg";
  if (header.length >= 4 && header.readUInt32BE(0) === 0x89504e47) return "image/png";
  if (header.length >= 6 && /^GIF8[79]a$/.test(header.toString("ascii", 0, 6))) return "image/gif";
  if (header.length >= 12 && header.toString("ascii", 0, 4) === "RIFF" && header.toString("ascii", 8, 12) === "WEBP")
    return "image/webp";
  if (header.length >= 12 && header.toString("ascii", 4, 8) === "ftyp")
    return QUICKTIME_BRANDS.has(header.toString("ascii", 8, 12)) ? "video/quicktime" : "video/mp4";
  // Matroska shares WebM's EBML header; its DocType says which.
  if (header.length >= 4 && header.readUInt32BE(0) === 0x1a45dfa3 && header.subarray(0, 64).includes("webm"))
    return "video/webm";
  return undefined;
}

const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

export function imageSize(header: Buffer): Probe {
  if (header.length >= 24 && header.readUInt32BE(0) === 0x89504e47)
    return { width: header.readUInt32BE(16), height: header.readUInt32BE(20) };
  if (header.length >= 10 && header.toString("ascii", 0, 3) === "GIF")
    return { width: header.readUInt16LE(6), height: header.readUInt16LE(8) };
  if (header.length >= 30 && header.toString("ascii", 0, 4) === "RIFF" && header.toString("ascii", 8, 12) === "WEBP") {
    const chunk = header.toString("ascii", 12, 16);
    if (chunk === "VP8X") return { width: header.readUIntLE(24, 3) + 1, height: header.readUIntLE(27, 3) + 1 };
    if (chunk === "VP8 ") return { width: header.readUInt16LE(26) & 0x3fff, height: header.readUInt16LE(28) & 0x3fff };
    if (chunk === "VP8L") {
      const bits = header.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
  }
  if (header.length >= 4 && header[0] === 0xff && header[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < header.length) {
      if (header[offset] !== 0xff) return {};
      const marker = header[offset + 1]!;
      const length = header.readUInt16BE(offset + 2);
      if (JPEG_SOF.has(marker))
        return { height: header.readUInt16BE(offset + 5), width: header.readUInt16BE(offset + 7) };
      offset += 2 + length;
    }
  }
  return {};
}

/** Walks the top-level boxes to `moov`, then reads `mvhd`'s timescale and duration. */
export async function videoDuration(path: string): Promise<Probe> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= size) {
      await file.read(header, 0, 16, offset);
      let boxSize = header.readUInt32BE(0);
      const type = header.toString("ascii", 4, 8);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      if (boxSize === 0) boxSize = size - offset;
      if (boxSize < 8) return {};
      if (type === "moov") {
        const moov = Buffer.alloc(Math.min(boxSize, 1024 * 1024));
        await file.read(moov, 0, moov.length, offset);
        const at = moov.indexOf("mvhd", 8, "ascii");
        if (at < 4) return {};
        const version = moov[at + 4];
        const timescale = version === 1 ? moov.readUInt32BE(at + 24) : moov.readUInt32BE(at + 16);
        const duration = version === 1 ? Number(moov.readBigUInt64BE(at + 28)) : moov.readUInt32BE(at + 20);
        return timescale > 0 ? { durationSeconds: duration / timescale } : {};
      }
      offset += boxSize;
    }
    return {};
  } finally {
    await file.close();
  }
}

export async function probeFile(path: string, contentType: string): Promise<Probe> {
  if (contentType.startsWith("video/")) return videoDuration(path).catch(() => ({}));
  const file = await open(path, "r");
  try {
    const header = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(header, 0, header.length, 0);
    return imageSize(header.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

/** The content type a file's first bytes say it is (see sniffContentType). */
export async function readSignature(path: string): Promise<string | undefined> {
  const file = await open(path, "r");
  try {
    const header = Buffer.alloc(64);
    const { bytesRead } = await file.read(header, 0, header.length, 0);
    return sniffContentType(header.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}
