import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import {
  draftProblems,
  sentText,
  textLength,
  type PlatformProfile,
  type RuleSettings,
} from "../../../src/platforms/profile";
import { platformProfiles } from "../../../src/platforms/profiles";
import {
  api,
  uploadMedia,
  type Connection,
  type MediaItem,
  type PlatformId,
  type PlatformInfo,
  type Post,
} from "../api";
import { PlatformOptions, sentOptions, type OptionValues } from "../components/PlatformOptions";
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

/** The same rules the server checks, from the same profiles, shown while writing. */
function rulesFor(
  platform: PlatformId,
  draft: { content: string; link: string; media: MediaItem[]; options: OptionValues },
  settings: RuleSettings,
  knownMedia: ReadonlyMap<string, MediaItem>,
): { count: string; problems: string[] } {
  const profile = platformProfiles[platform] as PlatformProfile;
  const { limits } = profile;
  const length = textLength(limits, sentText(profile, draft.content, draft.link || undefined));
  const over = length - limits.textLength;
  const problems = draftProblems(
    profile,
    {
      content: draft.content,
      link: draft.link || undefined,
      media: draft.media,
      options: draft.options,
      mediaOf: (id) => knownMedia.get(id),
    },
    settings,
  )
    .filter((problem) => !(problem.field === "content" && over > 0 && problem.message.includes(`this is ${length}`)))
    .map((problem) => problem.message);
  return {
    count: over > 0 ? `${length}/${limits.textLength} · ${over} characters too long` : `${length}/${limits.textLength}`,
    problems,
  };
}

export function ComposePage() {
  const navigate = useNavigate();
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => api<{ connections: Connection[] }>("GET", "/api/social-media/connections"),
  });
  const platformInfo = useQuery({
    queryKey: ["platforms"],
    queryFn: () => api<{ platforms: PlatformInfo[] }>("GET", "/api/social-media/platforms"),
  });
  const settingsOf = (platform: PlatformId): RuleSettings => ({
    flags: platformInfo.data?.platforms.find((info) => info.id === platform)?.flags ?? {},
  });
  const [content, setContent] = useState("");
  const [link, setLink] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [when, setWhen] = useState<"now" | "later">("now");
  const [localTime, setLocalTime] = useState("");
  const [zone, setZone] = useState(viewerZone);
  const [options, setOptions] = useState<Partial<Record<PlatformId, OptionValues>>>({});
  const [optionMedia, setOptionMedia] = useState<MediaItem[]>([]);

  const usable = (connections.data?.connections ?? []).filter(
    (connection) => connection.status !== "invalid" && connection.status !== "expired",
  );
  const chosen = usable.filter((connection) => selected.includes(connection.id));
  const platformsChosen = [...new Set(chosen.map((connection) => connection.platform))];
  const media = uploads.flatMap((upload) => (upload.media ? [upload.media] : []));
  const knownMedia = new Map([...media, ...optionMedia].map((item) => [item.id, item]));
  const optionsOf = (platform: PlatformId) => options[platform] ?? platformProfiles[platform].optionDefaults;

  const submit = useMutation({
    mutationFn: () =>
      api<{ post: Post }>("POST", "/api/posts", {
        content,
        ...(link ? { link } : {}),
        mediaIds: media.map((item) => item.id),
        connectionIds: selected,
        ...(when === "later" && localTime ? { scheduledAt: wallTimeToIso(localTime, zone) } : {}),
        options: Object.fromEntries(
          platformsChosen.map((platform) => [platform, sentOptions(platform, optionsOf(platform))]),
        ),
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

          {platformsChosen.some((platform) => platformProfiles[platform].optionFields.length > 0) ? (
            <Card title="Platform options">
              {platformsChosen
                .filter((platform) => platformProfiles[platform].optionFields.length > 0)
                .map((platform) => (
                  <PlatformOptions
                    key={platform}
                    platform={platform}
                    values={optionsOf(platform)}
                    onChange={(values) => setOptions((current) => ({ ...current, [platform]: values }))}
                    settings={settingsOf(platform)}
                    error={submit.error}
                    knownMedia={knownMedia}
                    onUploaded={(uploaded) => setOptionMedia((current) => [...current, ...uploaded])}
                  />
                ))}
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
            fields={[
              "content",
              "link",
              "mediaIds",
              "connectionIds",
              "scheduledAt",
              ...platformsChosen.flatMap((platform) =>
                platformProfiles[platform].optionFields.flatMap((field) =>
                  field.kind === "text" || field.kind === "choice" ? [`options.${platform}.${field.key}`] : [],
                ),
              ),
            ]}
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
            const rules = rulesFor(
              platform,
              { content, link, media, options: optionsOf(platform) },
              settingsOf(platform),
              knownMedia,
            );
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
