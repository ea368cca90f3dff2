import type { ChaosPlatform } from "./world.js";
import type { Random } from "./random.js";

export type FaultMode = "error" | "rate_limit" | "hang" | "drop";

/** Where a platform can fail: the sandbox prefix, method and a piece of the path, and what the call does. */
interface FaultSite {
  platform: ChaosPlatform;
  prefix: string;
  method: string;
  path: string;
  /** publish: creates what people see; upload: media or containers; read: reconciliation, status, budgets; token: OAuth. */
  role: "publish" | "upload" | "read" | "token";
}

const sites: FaultSite[] = [
  { platform: "facebook", prefix: "meta", method: "POST", path: "/feed", role: "publish" },
  { platform: "facebook", prefix: "meta", method: "POST", path: "/photos", role: "publish" },
  { platform: "facebook", prefix: "meta", method: "POST", path: "/videos", role: "publish" },
  { platform: "facebook", prefix: "meta", method: "GET", path: "/published_posts", role: "read" },
  { platform: "instagram", prefix: "meta", method: "POST", path: "/media_publish", role: "publish" },
  { platform: "instagram", prefix: "meta", method: "POST", path: "/media", role: "upload" },
  { platform: "instagram", prefix: "meta", method: "GET", path: "/content_publishing_limit", role: "read" },
  { platform: "instagram", prefix: "meta", method: "GET", path: "/media", role: "read" },
  { platform: "x", prefix: "x", method: "POST", path: "/2/tweets", role: "publish" },
  { platform: "x", prefix: "x", method: "POST", path: "/2/media/upload", role: "upload" },
  { platform: "x", prefix: "x", method: "GET", path: "/2/users/", role: "read" },
  { platform: "x", prefix: "x", method: "POST", path: "/2/oauth2/token", role: "token" },
  { platform: "linkedin", prefix: "linkedin", method: "POST", path: "/rest/posts", role: "publish" },
  { platform: "linkedin", prefix: "linkedin", method: "POST", path: "/rest/images", role: "upload" },
  { platform: "linkedin", prefix: "linkedin", method: "PUT", path: "/upload/", role: "upload" },
  { platform: "linkedin", prefix: "linkedin", method: "GET", path: "/rest/posts", role: "read" },
  { platform: "linkedin", prefix: "linkedin", method: "POST", path: "/oauth/v2/accessToken", role: "token" },
  { platform: "youtube", prefix: "google", method: "PUT", path: "/upload/youtube/v3/videos", role: "publish" },
  { platform: "youtube", prefix: "google", method: "POST", path: "/upload/youtube/v3/videos", role: "upload" },
  { platform: "youtube", prefix: "google", method: "GET", path: "/youtube/v3/playlistItems", role: "read" },
  { platform: "youtube", prefix: "google", method: "POST", path: "/token", role: "token" },
  { platform: "telegram", prefix: "telegram", method: "POST", path: "/sendMessage", role: "publish" },
  { platform: "telegram", prefix: "telegram", method: "POST", path: "/sendPhoto", role: "publish" },
  { platform: "telegram", prefix: "telegram", method: "POST", path: "/sendVideo", role: "publish" },
  { platform: "telegram", prefix: "telegram", method: "POST", path: "/sendMediaGroup", role: "publish" },
];

/**
 * Faults each role can meet. No lost answers on token endpoints: X rotates refresh tokens, so a
 * refresh whose answer is lost loses the grant at the real platform too; no reconnect-free
 * recovery exists, and that is a test of its own, not of exactly-once.
 */
const modesByRole: Record<FaultSite["role"], Partial<Record<FaultMode, number>>> = {
  publish: { error: 4, rate_limit: 2, hang: 1.5, drop: 2.5 },
  upload: { error: 4, rate_limit: 2, hang: 1.5, drop: 2 },
  read: { error: 4, rate_limit: 2, hang: 1.5 },
  token: { error: 5, rate_limit: 2, hang: 1 },
};

/** What is sent to POST /_sandbox/faults. */
export interface FaultRequest {
  prefix: string;
  method: string;
  path: string;
  mode: FaultMode;
  count: number;
  status?: number;
  retryAfterSeconds?: number;
  gatewayPage?: boolean;
}

export type ProcessAction =
  "kill-worker" | "kill-both-workers" | "kill-api" | "restart-database-fast" | "restart-database-immediate";

export type ChaosEvent =
  | { at: number; kind: "fault"; platform: ChaosPlatform; fault: FaultRequest }
  | { at: number; kind: "expire"; platform: "x" | "linkedin" | "youtube"; personId: string }
  | { at: number; kind: "process"; action: ProcessAction; downMs: number; worker: 1 | 2 };

export interface Schedule {
  /** Platform faults and token expiries, in time order. */
  platformEvents: ChaosEvent[];
  /** Kills and database restarts, one after the other, in time order. */
  processEvents: Extract<ChaosEvent, { kind: "process" }>[];
}

/** Refreshable grants, by the sandbox's platform name and the personas' people. */
const refreshable = ["x", "linkedin", "youtube"] as const;
const people = ["ava", "ben"];

/**
 * Google has no short-term 429 with a time to come back: the sandbox's rate limit is
 * quotaExceeded, which lasts until Pacific midnight, and a post waiting for it cannot settle
 * within any run. So YouTube meets every other fault, but not that one.
 */
function modesAt(site: FaultSite): Record<FaultMode, number> {
  const modes = { ...modesByRole[site.role] };
  if (site.platform === "youtube") delete modes.rate_limit;
  return modes as Record<FaultMode, number>;
}

function faultAt(random: Random, at: number, site: FaultSite): ChaosEvent {
  const mode = random.weighted(modesAt(site));
  const fault: FaultRequest = {
    prefix: site.prefix,
    method: site.method,
    path: site.path,
    mode,
    count: mode === "hang" ? 1 : random.int(1, 3),
  };
  if (mode === "error") {
    fault.status = random.pick([500, 502, 503, 504]);
    // Token endpoints behind a gateway answer its HTML page, not an OAuth error body.
    if (site.role === "token" && random.chance(0.5)) fault.gatewayPage = true;
  }
  if (mode === "rate_limit") fault.retryAfterSeconds = random.int(1, 4);
  return { at, kind: "fault", platform: site.platform, fault };
}

/**
 * The seeded schedule: platform faults every faultIntervalMs on average (with bursts), token
 * expiries (half of them met by a failing token endpoint), and a cycle of process events —
 * one worker killed, both workers killed, PostgreSQL restarted fast, the API killed,
 * PostgreSQL restarted immediately — repeated as often as the duration allows.
 */
export function planSchedule(
  random: Random,
  options: { durationMs: number; faultIntervalMs: number; bothWorkersDownMs: number },
): Schedule {
  const platformEvents: ChaosEvent[] = [];
  for (let at = random.int(0, options.faultIntervalMs); at < options.durationMs;) {
    const burst = random.chance(0.15) ? random.int(2, 4) : 1;
    for (let index = 0; index < burst; index += 1) platformEvents.push(faultAt(random, at, random.pick(sites)));
    at += random.int(Math.round(options.faultIntervalMs / 2), Math.round(options.faultIntervalMs * 1.5));
  }
  const expiries = Math.max(2, Math.round(options.durationMs / 15_000));
  for (let index = 0; index < expiries; index += 1) {
    const at = random.int(0, options.durationMs - 1);
    const platform = random.pick(refreshable);
    if (random.chance(0.5)) {
      const tokenSite = sites.find((site) => site.platform === platform && site.role === "token")!;
      platformEvents.push(faultAt(random, at, tokenSite));
    }
    platformEvents.push({ at, kind: "expire", platform, personId: random.pick(people) });
  }
  platformEvents.sort((a, b) => a.at - b.at);

  const cycle: ProcessAction[] = [
    "kill-worker",
    "kill-both-workers",
    "restart-database-fast",
    "kill-api",
    "restart-database-immediate",
  ];
  const processEvents: Schedule["processEvents"] = [];
  // One after the other, each with its downtime and a calm after it that grows with the run: a
  // short run meets every kind of event, a long one gives the product time to recover between
  // them (a database restart every few seconds for ten minutes measures an outage, not recovery).
  const calmMs = { min: Math.max(2_000, options.durationMs / 40), max: Math.max(5_000, options.durationMs / 20) };
  for (let cursor = random.int(1_000, 4_000), index = 0; ; index += 1) {
    const action = cycle[index % cycle.length]!;
    const downMs =
      action === "kill-both-workers"
        ? options.bothWorkersDownMs
        : action.startsWith("kill")
          ? random.int(500, 3_000)
          : 0;
    if (cursor + downMs > options.durationMs) break;
    processEvents.push({ at: cursor, kind: "process", action, downMs, worker: random.pick([1, 2] as const) });
    cursor += downMs + random.int(calmMs.min, calmMs.max);
  }
  return { platformEvents, processEvents };
}
