/** What a platform accepts; the server's validation and the composer read the same data (no imports, so the dashboard can share it). */
export interface ContentLimits {
  textLength: number;
  /** X counts URLs as 23 and wide characters as 2. */
  weightedText?: boolean;
  maxImages: number;
  maxVideos: number;
  /** Images and videos in one post. */
  mixedMedia: boolean;
  mediaRequired: boolean;
  imageTypes: string[];
  videoTypes: string[];
  maxImageBytes: number;
  maxVideoBytes: number;
  /** Pixels an image may be wide; a wider one is scaled down for the platform (platforms/image-fit.ts). */
  maxImageWidth?: number;
  /** Width ÷ height an image may have (Instagram feed: 4:5 to 1.91:1); others are cropped into it (platforms/image-fit.ts). */
  imageAspect?: { min: number; max: number };
  /** Items in a post of several (an album, a carousel), images and videos together. */
  mediaTotal?: { min: number; max: number };
  videoSeconds?: { min: number; max: number };
}
