import { useState } from "react";
import type { PreviewLook } from "../../../../src/platforms/profile";
import type { MediaItem } from "../../api";

const isVideo = (item: MediaItem) => item.contentType.startsWith("video/");

/** "4:5" for 0.8, "1.91:1" for 1.91: the way platforms write shapes. */
function shapeName(aspect: number): string {
  for (const [width, height] of [
    [4, 5],
    [9, 16],
    [16, 9],
    [3, 4],
    [1, 1],
    [2, 1],
  ] as const)
    if (Math.abs(aspect - width / height) < 0.01) return `${width}:${height}`;
  return `${Number(aspect.toFixed(2))}:1`;
}

/** The text up to the platform's fold, then its "see more", which opens the rest as it would there. */
export function FoldedText({
  text,
  fold,
  className,
}: {
  text: string;
  fold?: PreviewLook["fold"];
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const characters = [...text];
  if (!text) return <p className={`${className ?? ""} preview-placeholder`}>Your text appears here.</p>;
  if (!fold || open || characters.length <= fold.characters) return <p className={className}>{text}</p>;
  return (
    <p className={className} data-testid="folded-text">
      {characters.slice(0, fold.characters).join("").trimEnd()}…{" "}
      <button type="button" className="preview-fold" onClick={() => setOpen(true)}>
        {fold.label}
      </button>
    </p>
  );
}

/**
 * A picture or a video in the shape the platform shows it: a fixed frame, or the item's own shape
 * kept within the platform's range, the rest cropped; the crop is named so it is seen.
 */
export function MediaFrame({
  item,
  frame,
  range,
}: {
  item: MediaItem;
  frame?: number;
  range?: { min: number; max: number };
}) {
  const [natural, setNatural] = useState<number>();
  const clamped = natural && range ? Math.min(range.max, Math.max(range.min, natural)) : natural;
  const shown = frame ?? clamped;
  const cropped = shown !== undefined && natural !== undefined && Math.abs(shown - natural) > 0.01;
  return (
    <figure className="preview-media" style={shown ? { aspectRatio: String(shown) } : undefined}>
      {isVideo(item) ? (
        <video
          src={item.url}
          muted
          preload="metadata"
          aria-label={item.fileName}
          onLoadedMetadata={(event) =>
            setNatural(event.currentTarget.videoWidth / event.currentTarget.videoHeight || undefined)
          }
        />
      ) : (
        <img
          src={item.url}
          alt={item.fileName}
          onLoad={(event) => setNatural(event.currentTarget.naturalWidth / event.currentTarget.naturalHeight)}
        />
      )}
      {cropped ? (
        <figcaption className="preview-crop" data-testid="crop-note">
          Cropped to {shapeName(shown)}
        </figcaption>
      ) : null}
    </figure>
  );
}

/** Several items one at a time, with dots for where one is: a carousel. */
export function Carousel({
  items,
  frame,
  range,
}: {
  items: MediaItem[];
  frame?: number;
  range?: { min: number; max: number };
}) {
  const [index, setIndex] = useState(0);
  const current = items[Math.min(index, items.length - 1)]!;
  return (
    <div className="preview-carousel" data-testid="carousel">
      <MediaFrame key={current.id} item={current} frame={frame ?? range?.max} range={frame ? undefined : range} />
      <div className="preview-dots">
        {items.map((item, position) => (
          <button
            type="button"
            key={item.id}
            className={position === index ? "preview-dot preview-dot-current" : "preview-dot"}
            aria-label={`Item ${position + 1} of ${items.length}`}
            aria-current={position === index}
            onClick={() => setIndex(position)}
          />
        ))}
      </div>
    </div>
  );
}

/** Up to four items in a grid, the rest counted on the last, as feeds show an album. */
export function MediaGrid({ items, range }: { items: MediaItem[]; range?: { min: number; max: number } }) {
  if (items.length === 1) return <MediaFrame item={items[0]!} range={range} />;
  const shown = items.slice(0, 4);
  return (
    <div className={`preview-grid preview-grid-${shown.length}`}>
      {shown.map((item, position) => (
        <div className="preview-grid-cell" key={item.id}>
          <MediaFrame item={item} frame={1} />
          {position === 3 && items.length > 4 ? <span className="preview-more">+{items.length - 4}</span> : null}
        </div>
      ))}
    </div>
  );
}

/** The card the platform draws from the page's own title and image, which it reads when the post goes out. */
export function LinkCard({ link, aspect }: { link: string; aspect: number }) {
  let host = link;
  try {
    host = new URL(link).hostname.replace(/^www\./, "");
  } catch {
    // An address still being typed is shown as typed.
  }
  return (
    <div className="preview-link-card" data-testid="link-card">
      <div className="preview-link-image" style={{ aspectRatio: String(aspect) }}>
        <span>The page's image</span>
      </div>
      <div className="preview-link-text">
        <span className="preview-link-host">{host}</span>
        <span>The page's title</span>
      </div>
    </div>
  );
}
