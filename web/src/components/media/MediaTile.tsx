import type { LibraryItem } from "./library";
import { formatBytes, formatDuration, formatName } from "./library";

/** A library item's picture: its thumbnail, or for a video a mark with its length. */
export function MediaThumbnail({ item }: { item: LibraryItem }) {
  if (item.thumbnailUrl)
    return <img className="media-thumb" src={item.thumbnailUrl} alt={item.fileName} loading="lazy" />;
  return (
    <span className="media-thumb media-thumb-video" role="img" aria-label={`Video ${item.fileName}`}>
      <span aria-hidden>▶</span>
      {item.durationSeconds ? <span className="media-duration">{formatDuration(item.durationSeconds)}</span> : null}
    </span>
  );
}

/** Format, size, dimensions and length, in one line. */
export function mediaFacts(item: LibraryItem): string {
  return [
    formatName(item.contentType),
    formatBytes(item.sizeBytes),
    item.width && item.height ? `${item.width}×${item.height}` : undefined,
    item.durationSeconds ? formatDuration(item.durationSeconds) : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
}

export function usageText(item: LibraryItem): string {
  const { posts } = item.usage;
  return posts === 0 ? "Not used yet" : `Used in ${posts} ${posts === 1 ? "post" : "posts"}`;
}
