import { contentFor, type PostVersion, type PostVersions, type SharedContent } from "../../../../src/posts/versions";
import type { Connection, PlatformId } from "../../api";
import { accountLayer, platformLayer, type Layer } from "./problems";

export function versionAt(versions: PostVersions, layer: Layer): PostVersion | undefined {
  const [kind, id] = layer.split(":") as ["shared" | "platform" | "account", string];
  if (kind === "platform") return versions.platforms?.[id as PlatformId];
  if (kind === "account") return versions.accounts?.[id];
  return undefined;
}

/** The versions with one layer's version replaced, or dropped when `version` is undefined. */
export function withVersion(versions: PostVersions, layer: Layer, version: PostVersion | undefined): PostVersions {
  const [kind, id] = layer.split(":") as ["platform" | "account", string];
  const key = kind === "platform" ? "platforms" : "accounts";
  const current: Record<string, PostVersion> = { ...versions[key] };
  if (version) current[id] = version;
  else delete current[id];
  const next: PostVersions = { ...versions, [key]: current };
  if (Object.keys(current).length === 0) delete next[key];
  return next;
}

/** What a new version starts from: what that platform or account is sent now. */
export function startingVersion(
  shared: SharedContent,
  versions: PostVersions,
  layer: Layer,
  accounts: Connection[],
): PostVersion {
  const [kind, id] = layer.split(":") as ["platform" | "account", string];
  const account = accounts.find((candidate) => candidate.id === id);
  const sent = contentFor(
    shared,
    versions,
    kind === "platform"
      ? { platform: id as PlatformId, connectionId: "" }
      : { platform: account!.platform, connectionId: id },
  );
  return { content: sent.content, ...(sent.link ? { link: sent.link } : {}), mediaIds: sent.mediaIds };
}

/** Versions of platforms and accounts no longer chosen are not sent. */
export function chosenVersions(versions: PostVersions, accounts: Connection[]): PostVersions {
  const platforms = Object.entries(versions.platforms ?? {}).filter(([platform]) =>
    accounts.some((account) => account.platform === platform),
  );
  const own = Object.entries(versions.accounts ?? {}).filter(([id]) => accounts.some((account) => account.id === id));
  return {
    ...(platforms.length ? { platforms: Object.fromEntries(platforms) } : {}),
    ...(own.length ? { accounts: Object.fromEntries(own) } : {}),
  };
}

export const layersOf = (accounts: Connection[]): Layer[] => {
  const platforms = [...new Set(accounts.map((account) => account.platform))];
  return [
    "shared",
    ...platforms.flatMap((platform) => [
      platformLayer(platform),
      ...accounts.filter((account) => account.platform === platform).map((account) => accountLayer(account.id)),
    ]),
  ];
};
