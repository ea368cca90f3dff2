import {
  draftProblems,
  sentText,
  textLength,
  type PlatformProfile,
  type RuleSettings,
} from "../../../src/platforms/profile";
import { platformProfiles } from "../../../src/platforms/profiles";
import type { MediaItem, PlatformId } from "../api";
import type { OptionValues } from "./PlatformOptions";
import { PlatformMark } from "./PlatformMark";

export interface Draft {
  content: string;
  link: string;
  media: MediaItem[];
}

/** The same rules the server checks, from the same profiles, shown while writing. */
function rulesFor(
  platform: PlatformId,
  draft: Draft & { options: OptionValues },
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

/** Each chosen platform's view of the draft: its length count and what its rules object to. */
export function ComposePreview({
  platforms,
  draft,
  optionsOf,
  settingsOf,
  knownMedia,
}: {
  platforms: PlatformId[];
  draft: Draft;
  optionsOf: (platform: PlatformId) => OptionValues;
  settingsOf: (platform: PlatformId) => RuleSettings;
  knownMedia: ReadonlyMap<string, MediaItem>;
}) {
  return (
    <aside className="compose-preview">
      <h2>Preview</h2>
      {platforms.length === 0 ? (
        <p className="muted small">Choose accounts to see each platform's preview and rules.</p>
      ) : null}
      {platforms.map((platform) => {
        const rules = rulesFor(platform, { ...draft, options: optionsOf(platform) }, settingsOf(platform), knownMedia);
        return (
          <div className="preview" key={platform} data-testid={`preview-${platform}`}>
            <div className="preview-header">
              <PlatformMark platform={platform} />
              <span className={rules.problems.length ? "counter counter-over" : "counter"}>{rules.count}</span>
            </div>
            <p className="preview-text">{draft.content || <span className="muted">Your text appears here.</span>}</p>
            {draft.media.length ? (
              <p className="muted small">
                {draft.media.length} attachment{draft.media.length === 1 ? "" : "s"}
              </p>
            ) : null}
            {rules.problems.map((problem) => (
              <p className="field-error" key={problem}>
                {problem}
              </p>
            ))}
          </div>
        );
      })}
    </aside>
  );
}
