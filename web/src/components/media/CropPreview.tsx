import type { ImageCrop } from "../../../../src/platforms/image-fit";

/**
 * A picture with the part a platform keeps framed and the rest shaded: what a centre crop to the
 * platform's aspect ratio removes. Without a crop, the picture as it is.
 */
export function CropPreview({
  src,
  alt,
  width,
  height,
  crop,
}: {
  src: string;
  alt: string;
  /** The original's pixels, which the crop is measured in. */
  width: number;
  height: number;
  crop?: ImageCrop | null;
}) {
  const percent = (part: number, whole: number) => `${(part / whole) * 100}%`;
  return (
    <span className="media-crop">
      <img src={src} alt={alt} />
      {crop ? (
        <>
          <span
            className="media-crop-shade"
            style={{ left: 0, top: 0, width: percent(crop.left, width), height: "100%" }}
          />
          <span
            className="media-crop-shade"
            style={{ right: 0, top: 0, width: percent(width - crop.left - crop.width, width), height: "100%" }}
          />
          <span
            className="media-crop-shade"
            style={{
              left: percent(crop.left, width),
              top: 0,
              width: percent(crop.width, width),
              height: percent(crop.top, height),
            }}
          />
          <span
            className="media-crop-shade"
            style={{
              left: percent(crop.left, width),
              bottom: 0,
              width: percent(crop.width, width),
              height: percent(height - crop.top - crop.height, height),
            }}
          />
          <span
            className="media-crop-frame"
            aria-hidden
            style={{
              left: percent(crop.left, width),
              top: percent(crop.top, height),
              width: percent(crop.width, width),
              height: percent(crop.height, height),
            }}
          />
        </>
      ) : null}
    </span>
  );
}
