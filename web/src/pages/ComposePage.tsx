import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { weightedLength } from "../../../src/platforms/text-length";
import {
  api,
  uploadMedia,
  type Connection,
  type ContentLimits,
  type MediaItem,
  type PlatformId,
  type Post,
} from "../api";
import { Button, Card, Field, fieldError, FormError, PageHeader } from "../components/ui";
import { viewerZone, wallTimeToIso } from "../time";
import { PlatformMark } from "./SocialMediaPage";

// The viewer's own zone first; it may be an alias (UTC) absent from the canonical list.
const zones = [
  viewerZone,
  ...(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : []).filter(
    (zone) => zone !== viewerZone,
  ),
];

interface Upload {
  name: string;
  progress: number;
  media?: MediaItem;
  error?: string;
}

/** The same rules the server checks, shown while writing. */
function rulesFor(
  limits: ContentLimits,
  platform: PlatformId,
  text: string,
  media: MediaItem[],
): { count: string; problems: string[] } {
  const length = limits.weightedText ? weightedLength(text) : [...text].length;
  const images = media.filter((item) => item.contentType.startsWith("image/"));
  const videos = media.filter((item) => item.contentType.startsWith("video/"));
  const problems: string[] = [];
  if (length > limits.textLength) problems.push(`${length - limits.textLength} characters too long`);
  if (limits.mediaRequired && media.length === 0) problems.push("needs an image or a video");
  if (images.length > limits.maxImages) problems.push(`at most ${limits.maxImages} images`);
  if (videos.length > limits.maxVideos) problems.push(`at most ${limits.maxVideos} video`);
  if (!limits.mixedMedia && images.length && videos.length) problems.push("no images and videos together");
  for (const item of media) {
    const types = item.contentType.startsWith("video/") ? limits.videoTypes : limits.imageTypes;
    if (!types.includes(item.contentType)) problems.push(`does not take ${item.contentType}`);
  }
  if (platform === "instagram" && (text.match(/#[\p{L}\p{N}_]+/gu) ?? []).length > 30)
    problems.push("at most 30 hashtags");
  return { count: `${length}/${limits.textLength}`, problems };
}

export function ComposePage() {
  const navigate = useNavigate();
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => api<{ connections: Connection[] }>("GET", "/api/social-media/connections"),
  });
  const limits = useQuery({
    queryKey: ["limits"],
    queryFn: () => api<{ limits: Record<PlatformId, ContentLimits | null> }>("GET", "/api/posts/limits"),
  });
  const [content, setContent] = useState("");
  const [link, setLink] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [when, setWhen] = useState<"now" | "later">("now");
  const [localTime, setLocalTime] = useState("");
  const [zone, setZone] = useState(viewerZone);
  const [threadParts, setThreadParts] = useState<string[]>([]);
  const [threadMedia, setThreadMedia] = useState<MediaItem[][]>([]);
  const [instagramFormat, setInstagramFormat] = useState<"post" | "reel" | "story">("post");
  const [youtube, setYoutube] = useState({ title: "", privacy: "public", short: false });

  const usable = (connections.data?.connections ?? []).filter(
    (connection) => connection.status !== "invalid" && connection.status !== "expired",
  );
  const chosen = usable.filter((connection) => selected.includes(connection.id));
  const platformsChosen = [...new Set(chosen.map((connection) => connection.platform))];
  const media = uploads.flatMap((upload) => (upload.media ? [upload.media] : []));

  const submit = useMutation({
    mutationFn: () =>
      api<{ post: Post }>("POST", "/api/posts", {
        content,
        ...(link ? { link } : {}),
        mediaIds: media.map((item) => item.id),
        connectionIds: selected,
        ...(when === "later" && localTime ? { scheduledAt: wallTimeToIso(localTime, zone) } : {}),
        options: {
          ...(platformsChosen.includes("x") && threadParts.length
            ? {
                threadParts,
                threadMedia: threadParts.map((_, index) => (threadMedia[index] ?? []).map((item) => item.id)),
              }
            : {}),
          ...(platformsChosen.includes("instagram") ? { instagramFormat } : {}),
          ...(platformsChosen.includes("youtube")
            ? {
                youtube: {
                  ...(youtube.title ? { title: youtube.title } : {}),
                  privacy: youtube.privacy,
                  short: youtube.short,
                },
              }
            : {}),
        },
      }),
    onSuccess: () => navigate("/posts"),
  });

  const addFiles = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const index = uploads.length;
      setUploads((current) => [...current, { name: file.name, progress: 0 }]);
      uploadMedia(file, (progress) =>
        setUploads((current) =>
          current.map((upload, position) => (position === index ? { ...upload, progress } : upload)),
        ),
      )
        .then((item) =>
          setUploads((current) =>
            current.map((upload, position) => (position === index ? { ...upload, progress: 1, media: item } : upload)),
          ),
        )
        .catch((error: Error) =>
          setUploads((current) =>
            current.map((upload, position) => (position === index ? { ...upload, error: error.message } : upload)),
          ),
        );
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate();
  };

  return (
    <>
      <PageHeader title="Compose" description="Write once; each account gets its platform's native form." />
      <form className="compose" onSubmit={onSubmit} noValidate>
        <div className="compose-main">
          <Card title="Post">
            <div className="field">
              <label className="field-label" htmlFor="content">
                Text
              </label>
              <textarea
                id="content"
                rows={6}
                value={content}
                onChange={(event) => setContent(event.target.value)}
                placeholder="What would you like to share?"
              />
              {fieldError(submit.error, "content") ? (
                <span className="field-error">{fieldError(submit.error, "content")}</span>
              ) : null}
            </div>
            <Field
              label="Link (optional)"
              name="link"
              type="url"
              placeholder="https://…"
              value={link}
              onChange={(event) => setLink(event.target.value)}
              error={fieldError(submit.error, "link")}
            />
            <div className="field">
              <label className="field-label" htmlFor="media">
                Images and videos
              </label>
              <input
                id="media"
                type="file"
                multiple
                accept="image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime,video/webm"
                onChange={(event) => addFiles(event.target.files)}
              />
              <ul className="uploads">
                {uploads.map((upload, index) => (
                  <li key={`${upload.name}-${index}`}>
                    <span>{upload.name}</span>
                    {upload.error ? (
                      <span className="field-error">{upload.error}</span>
                    ) : (
                      <progress value={upload.progress} max={1} aria-label={`Upload of ${upload.name}`} />
                    )}
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => setUploads((current) => current.filter((_, position) => position !== index))}
                    >
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
              {fieldError(submit.error, "mediaIds") ? (
                <span className="field-error">{fieldError(submit.error, "mediaIds")}</span>
              ) : null}
            </div>
          </Card>

          <Card title="Accounts">
            {usable.length === 0 ? (
              <p className="muted">No connected accounts yet: connect some on the Social accounts page.</p>
            ) : null}
            <ul className="account-choice">
              {usable.map((connection) => (
                <li key={connection.id}>
                  <label>
                    <input
                      type="checkbox"
                      checked={selected.includes(connection.id)}
                      onChange={(event) =>
                        setSelected(
                          event.target.checked
                            ? [...selected, connection.id]
                            : selected.filter((id) => id !== connection.id),
                        )
                      }
                    />
                    <PlatformMark platform={connection.platform} />
                    <span>
                      {connection.name}
                      {connection.isSandbox ? <span className="badge badge-sandbox">Sandbox</span> : null}
                    </span>
                  </label>
                </li>
              ))}
            </ul>
            {fieldError(submit.error, "connectionIds") ? (
              <span className="field-error">{fieldError(submit.error, "connectionIds")}</span>
            ) : null}
          </Card>

          {platformsChosen.includes("x") ||
          platformsChosen.includes("instagram") ||
          platformsChosen.includes("youtube") ? (
            <Card title="Platform options">
              {platformsChosen.includes("x") ? (
                <div className="field">
                  <span className="field-label">X thread: more posts, each replying to the one before</span>
                  {threadParts.map((part, index) => (
                    <div className="thread-part" key={index}>
                      <textarea
                        rows={2}
                        aria-label={`Thread part ${index + 2}`}
                        value={part}
                        onChange={(event) =>
                          setThreadParts(
                            threadParts.map((value, position) => (position === index ? event.target.value : value)),
                          )
                        }
                      />
                      <input
                        type="file"
                        multiple
                        aria-label={`Images for thread part ${index + 2}`}
                        accept="image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime"
                        onChange={async (event) => {
                          const files = Array.from(event.target.files ?? []);
                          const uploaded = await Promise.all(files.map((file) => uploadMedia(file, () => undefined)));
                          setThreadMedia((current) => {
                            const next = threadParts.map((_, position) => current[position] ?? []);
                            next[index] = uploaded;
                            return next;
                          });
                        }}
                      />
                      {threadMedia[index]?.length ? (
                        <span className="muted small">
                          {threadMedia[index]!.map((item) => item.fileName).join(", ")}
                        </span>
                      ) : null}
                    </div>
                  ))}
                  <button type="button" className="link-button" onClick={() => setThreadParts([...threadParts, ""])}>
                    + Add a thread part
                  </button>
                </div>
              ) : null}
              {platformsChosen.includes("instagram") ? (
                <div className="field">
                  <label className="field-label" htmlFor="instagramFormat">
                    Instagram format
                  </label>
                  <select
                    id="instagramFormat"
                    value={instagramFormat}
                    onChange={(event) => setInstagramFormat(event.target.value as typeof instagramFormat)}
                  >
                    <option value="post">Post (one image, or a carousel)</option>
                    <option value="reel">Reel (one video)</option>
                    <option value="story">Story</option>
                  </select>
                </div>
              ) : null}
              {platformsChosen.includes("youtube") ? (
                <div className="row">
                  <Field
                    label="YouTube title"
                    name="youtubeTitle"
                    value={youtube.title}
                    onChange={(event) => setYoutube({ ...youtube, title: event.target.value })}
                    error={fieldError(submit.error, "options.youtube.title")}
                  />
                  <div className="field">
                    <label className="field-label" htmlFor="youtubePrivacy">
                      Privacy
                    </label>
                    <select
                      id="youtubePrivacy"
                      value={youtube.privacy}
                      onChange={(event) => setYoutube({ ...youtube, privacy: event.target.value })}
                    >
                      <option value="public">Public</option>
                      <option value="unlisted">Unlisted</option>
                      <option value="private">Private</option>
                    </select>
                  </div>
                  <label className="inline-check">
                    <input
                      type="checkbox"
                      checked={youtube.short}
                      onChange={(event) => setYoutube({ ...youtube, short: event.target.checked })}
                    />{" "}
                    Short
                  </label>
                </div>
              ) : null}
            </Card>
          ) : null}

          <Card title="When">
            <div className="row">
              <label className="inline-check">
                <input type="radio" name="when" checked={when === "now"} onChange={() => setWhen("now")} /> Publish now
              </label>
              <label className="inline-check">
                <input type="radio" name="when" checked={when === "later"} onChange={() => setWhen("later")} /> Schedule
              </label>
            </div>
            {when === "later" ? (
              <div className="row">
                <Field
                  label="Date and time"
                  name="scheduledAt"
                  type="datetime-local"
                  step={1}
                  value={localTime}
                  onChange={(event) => setLocalTime(event.target.value)}
                  error={fieldError(submit.error, "scheduledAt")}
                />
                <div className="field">
                  <label className="field-label" htmlFor="zone">
                    Time zone
                  </label>
                  <select id="zone" value={zone} onChange={(event) => setZone(event.target.value)}>
                    {zones.map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
            ) : null}
          </Card>
          <FormError
            error={submit.error}
            fields={["content", "link", "mediaIds", "connectionIds", "scheduledAt", "options.youtube.title"]}
          />
          <div>
            <Button
              type="submit"
              busy={submit.isPending}
              disabled={selected.length === 0 || uploads.some((upload) => !upload.media && !upload.error)}
            >
              {when === "later" ? "Schedule post" : "Publish now"}
            </Button>
          </div>
        </div>

        <aside className="compose-preview">
          <h2>Preview</h2>
          {platformsChosen.length === 0 ? (
            <p className="muted small">Choose accounts to see each platform's preview and rules.</p>
          ) : null}
          {platformsChosen.map((platform) => {
            const platformLimits = limits.data?.limits[platform];
            const rules = platformLimits
              ? rulesFor(
                  platformLimits,
                  platform,
                  platform === "x" && link && !content.includes(link) ? `${content} ${link}` : content,
                  media,
                )
              : undefined;
            return (
              <div className="preview" key={platform} data-testid={`preview-${platform}`}>
                <div className="preview-header">
                  <PlatformMark platform={platform} />
                  <span className={rules?.problems.length ? "counter counter-over" : "counter"}>{rules?.count}</span>
                </div>
                <p className="preview-text">{content || <span className="muted">Your text appears here.</span>}</p>
                {media.length ? (
                  <p className="muted small">
                    {media.length} attachment{media.length === 1 ? "" : "s"}
                  </p>
                ) : null}
                {rules?.problems.map((problem) => (
                  <p className="field-error" key={problem}>
                    {problem}
                  </p>
                ))}
              </div>
            );
          })}
        </aside>
      </form>
    </>
  );
}
