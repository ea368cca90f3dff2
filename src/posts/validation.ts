import { BlockList, isIP } from "node:net";
import { draftProblems, type PlatformProfile, type Problem, type RuleSettings } from "../platforms/profile.js";
import { platformProfiles, type PlatformId, type PostOptions } from "../platforms/profiles.js";
import type { MediaRecord } from "./media.js";

export type { Problem };

/**
 * Addresses off the public internet: "this network", private, shared (CGNAT), loopback,
 * link-local, protocol assignments, benchmarking, multicast and reserved; IPv6 unspecified,
 * loopback, IPv4-mapped, NAT64, unique-local, link-local and multicast.
 */
const internalAddresses = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  internalAddresses.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 127],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  internalAddresses.addSubnet(network, prefix, "ipv6");

/** Names that only resolve inside a network (RFC 6761, RFC 6762, RFC 8375, and common practice). */
const internalNameSuffixes = [".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa"];

/**
 * What is wrong with a post's link, if anything: only http(s); in production only public hosts,
 * since a post is published for everyone and an internal address there is a leak or a mistake.
 * The check reads the address as written (the app never fetches the link; platforms do).
 */
export function linkProblem(link: string, options: { publicHostsOnly: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return "must be a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http:// or https:// address";
  if (url.username || url.password) return "must not carry a user name or password";
  if (!options.publicHostsOnly) return undefined;
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  const version = isIP(host);
  const internal = version
    ? internalAddresses.check(host, version === 6 ? "ipv6" : "ipv4")
    : !host.includes(".") || internalNameSuffixes.some((suffix) => host.endsWith(suffix));
  return internal ? "must be an address on the public internet" : undefined;
}

/**
 * Every rule the chosen platforms enforce, each platform's from its profile, checked before
 * anything is queued; the composer runs the same profiles.
 */
export function validatePost(options: {
  content: string;
  link?: string;
  media: MediaRecord[];
  /** Media the options refer to (X's thread parts), by id. */
  mediaById: ReadonlyMap<string, MediaRecord>;
  platforms: PlatformId[];
  postOptions: PostOptions;
  settingsOf(platform: PlatformId): RuleSettings;
}): Problem[] {
  return [...new Set(options.platforms)].flatMap((platform) =>
    draftProblems(
      platformProfiles[platform] as PlatformProfile,
      {
        content: options.content,
        link: options.link,
        media: options.media,
        options: options.postOptions[platform] ?? {},
        mediaOf: (id) => options.mediaById.get(id),
      },
      options.settingsOf(platform),
    ),
  );
}
