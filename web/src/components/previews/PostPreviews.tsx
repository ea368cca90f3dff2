import { sentText, textLength, type PlatformProfile } from "../../../../src/platforms/profile";
import { platformProfiles } from "../../../../src/platforms/profiles";
import { contentFor, type PostVersions, type SharedContent } from "../../../../src/posts/versions";
import type { Connection, MediaItem, PlatformId } from "../../api";
import { PlatformMark } from "../PlatformMark";
import type { OptionValues } from "../PlatformOptions";
import "./previews.css";
import { FeedPreview, MessagePreview, ThreadPreview, VideoPreview, VisualPreview, type PreviewData } from "./layouts";

const layouts = {
  feed: FeedPreview,
  thread: ThreadPreview,
  visual: VisualPreview,
  video: VideoPreview,
  message: MessagePreview,
} satisfies Record<PlatformProfile["preview"]["layout"], unknown>;

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** What one account will show, from exactly what it is sent: its version over the shared post, as its platform sends it. */
function previewOf(
  profile: PlatformProfile,
  accountName: string,
  sent: SharedContent,
  options: OptionValues,
  knownMedia: ReadonlyMap<string, MediaItem>,
): PreviewData {
  const mediaOf = (ids: string[]) => ids.flatMap((id) => knownMedia.get(id) ?? []);
  const text = sentText(profile, sent.content, sent.link);
  const shown = profile.preview.shown?.(text, options) ?? { text };
  const partsField = profile.optionFields.find((field) => field.kind === "parts");
  const partMedia = partsField ? ((options[partsField.mediaKey] as unknown[] | undefined) ?? []) : [];
  return {
    look: profile.preview,
    accountName,
    title: shown.title,
    text: shown.text,
    link: sent.link,
    media: mediaOf(sent.mediaIds),
    frame: profile.preview.frame?.(options),
    parts: partsField
      ? strings(options[partsField.textKey]).map((part, index) => ({
          text: part,
          media: mediaOf(strings(partMedia[index])),
        }))
      : [],
  };
}

/** Each chosen account's post as its platform will show it; accounts of a platform sent the same thing share one. */
export function PostPreviews({
  accounts,
  shared,
  versions,
  optionsOf,
  knownMedia,
  asSent,
}: {
  accounts: Connection[];
  shared: SharedContent;
  versions: PostVersions;
  optionsOf: (platform: PlatformId) => OptionValues;
  knownMedia: ReadonlyMap<string, MediaItem>;
  /** The content as it is sent: with tracked short links where the organization tracks links. */
  asSent: (sent: SharedContent) => SharedContent;
}) {
  const platforms = [...new Set(accounts.map((account) => account.platform))];
  return (
    <aside className="compose-preview" aria-label="Preview">
      <h2>Preview</h2>
      {platforms.length === 0 ? (
        <p className="small">Choose accounts to see each post as its platform will show it.</p>
      ) : null}
      {platforms.map((platform) => {
        const profile = platformProfiles[platform] as PlatformProfile;
        const groups = new Map<string, { names: string[]; sent: SharedContent }>();
        for (const account of accounts.filter((candidate) => candidate.platform === platform)) {
          const sent = asSent(contentFor(shared, versions, { platform, connectionId: account.id }));
          const key = JSON.stringify(sent);
          const group = groups.get(key) ?? { names: [], sent };
          group.names.push(account.name);
          groups.set(key, group);
        }
        return (
          <section className="preview" key={platform} data-testid={`preview-${platform}`}>
            {[...groups.values()].map(({ names, sent }) => {
              const length = textLength(profile.limits, sentText(profile, sent.content, sent.link));
              const over = length - profile.limits.textLength;
              const Layout = layouts[profile.preview.layout];
              return (
                <div className="preview-account" key={names.join()}>
                  <div className="preview-header">
                    <PlatformMark platform={platform} />
                    <span className="preview-names">{profile.name}</span>
                    <span className={over > 0 ? "counter counter-over" : "counter"}>
                      {over > 0
                        ? `${length}/${profile.limits.textLength} · ${over} characters too long`
                        : `${length}/${profile.limits.textLength}`}
                    </span>
                  </div>
                  <Layout data={previewOf(profile, names.join(", "), sent, optionsOf(platform), knownMedia)} />
                </div>
              );
            })}
          </section>
        );
      })}
    </aside>
  );
}
