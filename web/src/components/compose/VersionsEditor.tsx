import type { ReactNode } from "react";
import { platformProfiles } from "../../../../src/platforms/profiles";
import type { PostVersion, PostVersions, SharedContent } from "../../../../src/posts/versions";
import type { Connection, MediaItem, PlatformId } from "../../api";
import { PlatformMark } from "../PlatformMark";
import { fieldError } from "../ui";
import { FieldProblems, MediaField, type PendingUpload } from "./MediaField";
import { optionProblems, problemCount, problemsAt, type Layer, type LiveProblems } from "./problems";
import { layersOf, startingVersion, versionAt, withVersion } from "./versions";

export interface SharedDraft {
  content: string;
  link: string;
  media: MediaItem[];
}

/** The path the API names a version's field by in a refusal. */
export function serverField(layer: Layer, field: string): string {
  const [kind, id] = layer.split(":");
  if (kind === "platform") return `versions.platforms.${id}.${field}`;
  if (kind === "account") return `versions.accounts.${id}.${field}`;
  return field;
}

interface LayerInfo {
  layer: Layer;
  /** Who the tab speaks of: "all networks", a platform's name, an account's. */
  name: string;
  platform?: PlatformId;
  account?: Connection;
}

function describe(layer: Layer, accounts: Connection[]): LayerInfo {
  const [kind, id] = layer.split(":") as ["shared" | "platform" | "account", string];
  if (kind === "platform") return { layer, name: platformProfiles[id as PlatformId].name, platform: id as PlatformId };
  const account = accounts.find((candidate) => candidate.id === id);
  if (kind === "account" && account) return { layer, name: account.name, platform: account.platform, account };
  return { layer, name: "all networks" };
}

const tabId = (layer: Layer) => `version-tab-${layer.replace(":", "-")}`;

/**
 * The shared text, link and media, then a tab per chosen platform and per chosen account where
 * each can have its own; every field shows what its platforms' rules say about it as it is typed.
 */
export function VersionsEditor({
  accounts,
  shared,
  onShared,
  versions,
  onVersions,
  knownMedia,
  problems,
  serverError,
  pending,
  onFiles,
  onDismiss,
  onLibrary,
  renderOptions,
  active,
  onActive,
}: {
  accounts: Connection[];
  shared: SharedDraft;
  onShared: (change: Partial<SharedDraft>) => void;
  versions: PostVersions;
  onVersions: (update: (versions: PostVersions) => PostVersions) => void;
  knownMedia: ReadonlyMap<string, MediaItem>;
  problems: LiveProblems;
  serverError: unknown;
  pending: Map<Layer, PendingUpload[]>;
  onFiles: (layer: Layer, files: File[]) => void;
  onDismiss: (layer: Layer, key: number) => void;
  onLibrary: (layer: Layer) => void;
  renderOptions: (platform: PlatformId) => ReactNode;
  active: Layer;
  onActive: (layer: Layer) => void;
}) {
  const layers = layersOf(accounts);
  const current = layers.includes(active) ? active : "shared";
  const info = describe(current, accounts);
  const version = versionAt(versions, current);
  const sharedContent: SharedContent = {
    content: shared.content,
    link: shared.link || undefined,
    mediaIds: shared.media.map((item) => item.id),
  };
  const fieldProblems = (field: string) => [
    ...problemsAt(problems, current, field),
    ...(fieldError(serverError, serverField(current, field))
      ? [fieldError(serverError, serverField(current, field))!]
      : []),
  ];
  const setVersion = (change: Partial<PostVersion>) =>
    onVersions((all) => withVersion(all, current, { ...versionAt(all, current), ...change }));
  const idOf = (field: string) => (current === "shared" ? field : `${field}-${current.replace(":", "-")}`);
  const label = (field: string) => (current === "shared" ? field : `${field} for ${info.name}`);
  const editing = current === "shared" || version !== undefined;
  const values =
    current === "shared"
      ? shared
      : {
          content: version?.content ?? "",
          link: version?.link ?? "",
          media: (version?.mediaIds ?? []).flatMap((id) => knownMedia.get(id) ?? []),
        };

  return (
    <div className="versions">
      {layers.length > 1 ? (
        <div className="versions-tabs" role="tablist" aria-label="Versions">
          {layers.map((layer) => {
            const tab = describe(layer, accounts);
            const count = problemCount(problems, layer);
            const customized = versionAt(versions, layer) !== undefined;
            return (
              <button
                key={layer}
                type="button"
                role="tab"
                id={tabId(layer)}
                aria-selected={layer === current}
                aria-controls="version-panel"
                className={`versions-tab${tab.account ? " versions-tab-account" : ""}`}
                onClick={() => onActive(layer)}
              >
                {tab.platform && !tab.account ? <PlatformMark platform={tab.platform} /> : null}
                {layer === "shared" ? "Shared" : tab.name}
                {customized ? <span className="versions-badge">own version</span> : null}
                {count ? (
                  <span className="versions-badge versions-badge-bad">
                    {count} problem{count === 1 ? "" : "s"}
                  </span>
                ) : null}
              </button>
            );
          })}
        </div>
      ) : null}
      <div
        className="versions-panel"
        id="version-panel"
        role={layers.length > 1 ? "tabpanel" : undefined}
        aria-labelledby={layers.length > 1 ? tabId(current) : undefined}
      >
        {current === "shared" && layers.length > 1 ? (
          <p className="small versions-note">
            Every account is sent this unless its platform's or its own tab has a version of its own.
          </p>
        ) : null}
        {!editing ? (
          <div className="versions-inherit">
            <p className="small">
              {info.name} is sent the {info.account ? `${platformProfiles[info.platform!].name} version or the ` : ""}
              shared text, link and media.
            </p>
            <button
              type="button"
              className="button button-secondary"
              onClick={() =>
                onVersions((all) => withVersion(all, current, startingVersion(sharedContent, all, current, accounts)))
              }
            >
              Customize for {info.name}
            </button>
          </div>
        ) : (
          <>
            {current !== "shared" ? (
              <div className="versions-own">
                <p className="small">{info.name} is sent this version instead of the shared one.</p>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => onVersions((all) => withVersion(all, current, undefined))}
                >
                  Use shared
                </button>
              </div>
            ) : null}
            <div className="field">
              <label className="field-label" htmlFor={idOf("content")}>
                {label("Text")}
              </label>
              <textarea
                id={idOf("content")}
                rows={6}
                value={values.content}
                aria-describedby={fieldProblems("content").length ? `${idOf("content")}-problems` : undefined}
                aria-invalid={fieldProblems("content").length > 0}
                onChange={(event) =>
                  current === "shared"
                    ? onShared({ content: event.target.value })
                    : setVersion({ content: event.target.value })
                }
                placeholder="What would you like to share?"
              />
              <FieldProblems id={`${idOf("content")}-problems`} problems={fieldProblems("content")} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor={idOf("link")}>
                {label("Link")} (optional)
              </label>
              <input
                id={idOf("link")}
                type="url"
                placeholder="https://…"
                value={values.link}
                aria-describedby={fieldProblems("link").length ? `${idOf("link")}-problems` : undefined}
                aria-invalid={fieldProblems("link").length > 0}
                onChange={(event) =>
                  current === "shared"
                    ? onShared({ link: event.target.value })
                    : setVersion({ link: event.target.value || undefined })
                }
              />
              <FieldProblems id={`${idOf("link")}-problems`} problems={fieldProblems("link")} />
            </div>
            <MediaField
              id={idOf("media")}
              label={current === "shared" ? "Images and videos" : `Images and videos for ${info.name}`}
              items={values.media}
              pending={pending.get(current) ?? []}
              onFiles={(files) => onFiles(current, files)}
              onDismiss={(key) => onDismiss(current, key)}
              onLibrary={() => onLibrary(current)}
              onRemove={(mediaId) =>
                current === "shared"
                  ? onShared({ media: shared.media.filter((item) => item.id !== mediaId) })
                  : setVersion({ mediaIds: (version?.mediaIds ?? []).filter((id) => id !== mediaId) })
              }
              problems={fieldProblems("mediaIds")}
            />
          </>
        )}
        {info.platform && !info.account ? (
          <>
            {renderOptions(info.platform)}
            <FieldProblems id={`options-${info.platform}-problems`} problems={optionProblems(problems, current)} />
          </>
        ) : null}
      </div>
    </div>
  );
}
