import type { PreviewLook } from "../../../../src/platforms/profile";
import type { MediaItem } from "../../api";
import { Carousel, FoldedText, LinkCard, MediaFrame, MediaGrid } from "./parts";

/** A post as one platform will show it, from what that account is sent. */
export interface PreviewData {
  look: PreviewLook;
  accountName: string;
  /** A video's title, where the platform shows one. */
  title?: string;
  text: string;
  link?: string;
  media: MediaItem[];
  /** The frame the options make (9:16 stories and reels), if any. */
  frame?: number;
  /** Posts that follow the first, each replying to the one before (threads). */
  parts: { text: string; media: MediaItem[] }[];
}

function Author({ name }: { name: string }) {
  return (
    <div className="preview-author">
      <span className="preview-avatar" aria-hidden>
        {name.slice(0, 1)}
      </span>
      <span className="preview-author-name">{name}</span>
      <span className="preview-when">now</span>
    </div>
  );
}

/** The link's card where the post has no media of its own: platforms show one or the other. */
function CardUnlessMedia({ data }: { data: PreviewData }) {
  return data.link && data.media.length === 0 && data.look.linkCardAspect ? (
    <LinkCard link={data.link} aspect={data.look.linkCardAspect} />
  ) : null;
}

/** Text, then the media or the link's card. */
export function FeedPreview({ data }: { data: PreviewData }) {
  return (
    <div className="preview-post">
      <Author name={data.accountName} />
      <FoldedText className="preview-text" text={data.text} fold={data.look.fold} />
      {data.media.length ? <MediaGrid items={data.media} range={data.look.imageAspect} /> : null}
      <CardUnlessMedia data={data} />
    </div>
  );
}

/** One post per part, each with its own media, joined as replies. */
export function ThreadPreview({ data }: { data: PreviewData }) {
  const posts = [{ text: data.text, media: data.media }, ...data.parts];
  return (
    <ol className="preview-thread">
      {posts.map((post, index) => (
        <li key={index} className="preview-post" data-testid="thread-part">
          <Author name={data.accountName} />
          <FoldedText className="preview-text" text={post.text} fold={data.look.fold} />
          {post.media.length ? <MediaGrid items={post.media} range={data.look.imageAspect} /> : null}
          {index === 0 ? <CardUnlessMedia data={data} /> : null}
        </li>
      ))}
    </ol>
  );
}

/** The media first, in its frame or a carousel with dots; the caption under it, or over a full-screen frame. */
export function VisualPreview({ data }: { data: PreviewData }) {
  const caption = (
    <div className="preview-caption">
      <strong>{data.accountName}</strong> <FoldedText text={data.text} fold={data.look.fold} />
    </div>
  );
  const media =
    data.media.length > 1 ? (
      <Carousel items={data.media} frame={data.frame} range={data.look.imageAspect} />
    ) : data.media.length === 1 ? (
      <MediaFrame item={data.media[0]!} frame={data.frame} range={data.look.imageAspect} />
    ) : (
      <div className="preview-media preview-media-missing" style={{ aspectRatio: String(data.frame ?? 1) }}>
        <span>No image or video yet</span>
      </div>
    );
  if (data.frame && data.frame < 1)
    return (
      <div className="preview-post preview-fullscreen" data-testid="fullscreen-frame">
        {media}
        <div className="preview-overlay">{caption}</div>
      </div>
    );
  return (
    <div className="preview-post">
      <Author name={data.accountName} />
      {media}
      {caption}
    </div>
  );
}

/** The video in its frame, its title, the channel, and the description folded. */
export function VideoPreview({ data }: { data: PreviewData }) {
  const video = data.media.find((item) => item.contentType.startsWith("video/"));
  return (
    <div className="preview-post">
      {video ? (
        <MediaFrame item={video} frame={data.frame} />
      ) : (
        <div className="preview-media preview-media-missing" style={{ aspectRatio: String(data.frame ?? 16 / 9) }}>
          <span>No video yet</span>
        </div>
      )}
      <p className="preview-video-title" data-testid="video-title">
        {data.title || <span className="preview-placeholder">The video's title</span>}
      </p>
      <Author name={data.accountName} />
      <FoldedText className="preview-text preview-description" text={data.text} fold={data.look.fold} />
    </div>
  );
}

/** A message: its media as an album, the text, and the link's preview under it. */
export function MessagePreview({ data }: { data: PreviewData }) {
  return (
    <div className="preview-message">
      <span className="preview-author-name">{data.accountName}</span>
      {data.media.length ? <MediaGrid items={data.media} /> : null}
      <FoldedText className="preview-text" text={data.text} fold={data.look.fold} />
      {data.link && data.look.linkCardAspect ? <LinkCard link={data.link} aspect={data.look.linkCardAspect} /> : null}
    </div>
  );
}
