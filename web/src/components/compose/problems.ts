import { draftProblems, type PlatformProfile, type RuleSettings } from "../../../../src/platforms/profile";
import { platformProfiles } from "../../../../src/platforms/profiles";
import { contentFor, type PostVersion, type PostVersions, type SharedContent } from "../../../../src/posts/versions";
import type { Connection, MediaItem, PlatformId } from "../../api";
import type { OptionValues } from "../PlatformOptions";

/** Where a field's value comes from: the shared post, a platform's version, or an account's. */
export type Layer = "shared" | `platform:${string}` | `account:${string}`;

export const platformLayer = (platform: PlatformId): Layer => `platform:${platform}`;
export const accountLayer = (connectionId: string): Layer => `account:${connectionId}`;

/** The tab a refusal's field belongs to: `versions.platforms.x.content`, `versions.accounts.<id>.link`, `options.x.…`. */
export function layerOfField(field: string): Layer | undefined {
  const [head, kind, id] = field.split(".");
  if (head === "versions" && kind === "platforms" && id) return `platform:${id}`;
  if (head === "versions" && kind === "accounts" && id) return `account:${id}`;
  if (head === "options" && kind) return `platform:${kind}`;
  if (head === "content" || head === "link" || head === "mediaIds") return "shared";
  return undefined;
}

const versionFields = ["content", "link", "mediaIds"] as const satisfies (keyof PostVersion)[];
type VersionField = (typeof versionFields)[number];

/** Problems by layer, then by field (`content`, `link`, `mediaIds`, `options.…`), each message once. */
export type LiveProblems = Map<Layer, Map<string, string[]>>;

/** The layer whose value of `field` the account is sent: its own version's, its platform's, or the shared post's. */
function ownerOf(versions: PostVersions, account: Connection, field: VersionField): Layer {
  if (versions.accounts?.[account.id]?.[field] !== undefined) return accountLayer(account.id);
  if (versions.platforms?.[account.platform]?.[field] !== undefined) return platformLayer(account.platform);
  return "shared";
}

/**
 * Every chosen account's content checked by its platform's rules, as the server will check it,
 * each problem placed with the field it concerns in the layer that supplies that field.
 */
export function liveProblems(options: {
  accounts: Connection[];
  shared: SharedContent;
  versions: PostVersions;
  optionsOf: (platform: PlatformId) => OptionValues;
  settingsOf: (platform: PlatformId) => RuleSettings;
  knownMedia: ReadonlyMap<string, MediaItem>;
  /** The content as it is sent: with tracked short links where the organization tracks links. */
  asSent: (sent: SharedContent) => SharedContent;
}): LiveProblems {
  const found: LiveProblems = new Map();
  const add = (layer: Layer, field: string, message: string) => {
    const fields = found.get(layer) ?? new Map<string, string[]>();
    const messages = fields.get(field) ?? [];
    if (!messages.includes(message)) messages.push(message);
    fields.set(field, messages);
    found.set(layer, fields);
  };
  for (const account of options.accounts) {
    const sent = options.asSent(
      contentFor(options.shared, options.versions, { platform: account.platform, connectionId: account.id }),
    );
    const problems = draftProblems(
      platformProfiles[account.platform] as PlatformProfile,
      {
        content: sent.content,
        link: sent.link,
        media: sent.mediaIds.flatMap((id) => options.knownMedia.get(id) ?? []),
        options: options.optionsOf(account.platform),
        mediaOf: (id) => options.knownMedia.get(id),
      },
      options.settingsOf(account.platform),
    );
    for (const problem of problems) {
      const field = versionFields.find((candidate) => candidate === problem.field);
      add(
        field ? ownerOf(options.versions, account, field) : platformLayer(account.platform),
        problem.field,
        problem.message,
      );
    }
  }
  return found;
}

export function problemsAt(problems: LiveProblems, layer: Layer, field: string): string[] {
  return problems.get(layer)?.get(field) ?? [];
}

/** Problems of a layer outside the version's own fields: its platform's options. */
export function optionProblems(problems: LiveProblems, layer: Layer): string[] {
  return [...(problems.get(layer)?.entries() ?? [])]
    .filter(([field]) => !versionFields.some((candidate) => candidate === field))
    .flatMap(([, messages]) => messages);
}

export function problemCount(problems: LiveProblems, layer: Layer): number {
  return [...(problems.get(layer)?.values() ?? [])].reduce((sum, messages) => sum + messages.length, 0);
}
