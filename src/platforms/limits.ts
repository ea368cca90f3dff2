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
  /** Width ÷ height an image may have (Instagram feed: 4:5 to 1.91:1). */
  imageAspect?: { min: number; max: number };
  /** Items in a post of several (an album, a carousel), images and videos together. */
  mediaTotal?: { min: number; max: number };
  videoSeconds?: { min: number; max: number };
}
