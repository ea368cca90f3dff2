import type { PublishedItem } from "../../sandbox/state.js";
import type { ChaosPlatform, Organization } from "./world.js";

/** A target as the product's API shows it, with the database's timing for the report. */
export interface TargetOutcome {
  id: string;
  postId: string;
  organization: number;
  platform: ChaosPlatform;
  marker: string;
  /** The API accepted its cancellation. */
  cancelled: boolean;
  sandboxAccount: string;
  state: string;
  remoteId: string | null;
  error: string | null;
  attempts: number;
  dueAt: number;
  updatedAt: number;
  threadParts: string[];
  /** Images and videos the post carries (an X thread's first part only). */
  mediaCount: number;
}

export type ViolationKind =
  | "unsettled"
  | "published-but-absent"
  | "published-early"
  | "cancelled-but-present"
  | "edit-ignored"
  | "edit-refused"
  | "content-altered"
  | "published-wrong-post"
  | "claimed-twice"
  | "duplicate"
  | "failed-but-present"
  | "failed-without-reason"
  | "unknown-present-unsaid"
  | "thread-broken"
  | "connection-unhealthy"
  | "health-green-without-worker"
  /** A request the platform's spec or documented contract does not allow. */
  | "contract-refused"
  | "process-died";

export interface Violation {
  kind: ViolationKind;
  platform?: string;
  targetId?: string;
  marker?: string;
  /** What the product says. */
  product?: string;
  /** What the platform (the sandbox) holds. */
  truth: string;
  /** The moment the cause is to be found around: when the post landed, or the product last changed the target. */
  at?: number;
  /** The account, as the sandbox names it, to tell its faults from another account's. */
  account?: string;
}

/** An unknown target's reason must say the post may be there: the product may not know, but must not deny it. */
const saysItMayHaveLanded =
  /(may|might) (have|already)|whether (it|the post) (arrived|landed|went out|was published)|answer was lost|check the account/i;

const markerOf = (text: string, prefix: string) => new RegExp(`${prefix}\\d+`).exec(text)?.[0];

/** Published items that stand for a whole post: thread replies, a photo's own node and album members belong to one. */
function isRootItem(item: PublishedItem, items: PublishedItem[]): boolean {
  if (item.parentId) return false;
  if (item.kind === "fb_photo" && item.extra.postId) return false;
  const group = item.extra.mediaGroupId;
  if (item.platform === "telegram" && group) {
    const first = items
      .filter((other) => other.platform === "telegram" && other.extra.mediaGroupId === group)
      .sort((a, b) => Number(a.id) - Number(b.id))[0];
    return first === item;
  }
  return true;
}

/** Images and videos a published post shows: a Telegram album is one message per file. */
function mediaAt(item: PublishedItem, items: PublishedItem[]): number {
  const group = item.extra.mediaGroupId;
  if (item.platform === "telegram" && group)
    return items.filter((other) => other.platform === "telegram" && other.extra.mediaGroupId === group).length;
  return item.media.length;
}

const itemKey = (platform: string, account: string, id: string) => `${platform}|${account}|${id}`;
/**
 * Every target against the platforms' own record. The sandbox is the truth: what it holds was
 * published, exactly as many times as it holds it.
 */
export function checkTargets(options: {
  outcomes: TargetOutcome[];
  items: PublishedItem[];
  /** Every marker of this run starts with it. */
  markerPrefix: string;
  /** Accounts of this run's organizations, as the sandbox names them. */
  accounts: Set<string>;
  /** Markers of texts edited away before publishing. */
  supersededMarkers: Set<string>;
  runStartedAt: number;
}): Violation[] {
  const { outcomes, markerPrefix } = options;
  const describeItem = (item: PublishedItem) =>
    `${item.platform} ${item.accountId} #${item.id} (published at +${((item.createdAt - options.runStartedAt) / 1000).toFixed(1)}s) "${item.text.slice(0, 80)}"`;
  const violations: Violation[] = [];
  const ours = options.items.filter(
    (item) => options.accounts.has(`${item.platform}|${item.accountId}`) && item.createdAt >= options.runStartedAt,
  );
  const roots = ours.filter((item) => isRootItem(item, ours));
  const byKey = new Map(roots.map((item) => [itemKey(item.platform, item.accountId, item.id), item]));
  const claims = new Map<PublishedItem, TargetOutcome[]>();
  const product = (target: TargetOutcome) =>
    `${target.state}${target.remoteId ? ` as ${target.remoteId}` : ""}${target.error ? `: ${target.error}` : ""} (attempts ${target.attempts})`;

  for (const target of outcomes) {
    const base = {
      platform: target.platform,
      account: target.sandboxAccount,
      targetId: target.id,
      marker: target.marker,
      product: product(target),
    };
    if (target.state === "queued" || target.state === "publishing") {
      violations.push({
        ...base,
        kind: "unsettled",
        truth: "never settled after the faults stopped",
        at: target.updatedAt,
      });
      continue;
    }
    if (target.cancelled && target.state !== "cancelled")
      violations.push({
        ...base,
        kind: "cancelled-but-present",
        truth: "the API accepted its cancellation",
        at: target.updatedAt,
      });
    if (target.state === "failed" && !target.error?.trim())
      violations.push({
        ...base,
        kind: "failed-without-reason",
        truth: "a failure says why",
        at: target.updatedAt,
      });
    if (target.state !== "published") continue;
    const item = target.remoteId
      ? byKey.get(itemKey(target.platform, target.sandboxAccount, target.remoteId))
      : undefined;
    if (!item) {
      const elsewhere = roots.find(
        (candidate) => candidate.platform === target.platform && candidate.id === target.remoteId,
      );
      violations.push({
        ...base,
        kind: elsewhere ? "published-wrong-post" : "published-but-absent",
        truth: elsewhere
          ? `that id is ${describeItem(elsewhere)} on another account`
          : `no post ${target.remoteId} on ${target.sandboxAccount}`,
        at: target.updatedAt,
      });
      continue;
    }
    claims.set(item, [...(claims.get(item) ?? []), target]);
    const itemMarker = markerOf(item.text, markerPrefix);
    if (itemMarker !== target.marker)
      violations.push({
        ...base,
        kind: itemMarker ? "published-wrong-post" : "content-altered",
        truth: itemMarker
          ? `${target.remoteId} is another post: ${describeItem(item)}`
          : `${target.remoteId} does not carry the post's text: ${describeItem(item)}`,
        at: target.updatedAt,
      });
    const media = mediaAt(item, ours);
    if (media !== target.mediaCount)
      violations.push({
        ...base,
        kind: "content-altered",
        truth: `${describeItem(item)} has ${media} media; the post has ${target.mediaCount}`,
        at: target.updatedAt,
      });
    // A second of slack: the sandbox and the product read the same clock, but not at the same instant.
    if (item.createdAt < target.dueAt - 1_000)
      violations.push({
        ...base,
        kind: "published-early",
        truth: `${describeItem(item)}, ${((target.dueAt - item.createdAt) / 1000).toFixed(1)} s before its time`,
        at: target.updatedAt,
      });
    if (target.threadParts.length > 0) violations.push(...checkThread(target, item, ours, base));
  }

  for (const [item, claimants] of claims) {
    if (claimants.length < 2) continue;
    violations.push({
      kind: "claimed-twice",
      platform: item.platform,
      targetId: claimants.map((target) => target.id).join(", "),
      marker: claimants.map((target) => target.marker).join(", "),
      product: claimants.map(product).join(" | "),
      truth: `one post, ${describeItem(item)}, claimed by ${claimants.length} targets`,
      at: item.createdAt,
    });
  }

  // What the platform holds that no published target claims: a target that does not know it
  // landed, or a copy too many.
  const unclaimed = roots.filter((item) => !claims.has(item));
  const explained = new Set<TargetOutcome>();
  for (const item of unclaimed) {
    const marker = markerOf(item.text, markerPrefix);
    const owners = outcomes.filter(
      (target) =>
        target.marker === marker && target.platform === item.platform && target.sandboxAccount === item.accountId,
    );
    const pending = owners.filter((target) => target.state !== "published" && !explained.has(target));
    const owner =
      pending.find((target) => target.state === "unknown" && saysItMayHaveLanded.test(target.error ?? "")) ??
      pending[0];
    if (owner) explained.add(owner);
    const base = {
      platform: item.platform,
      account: item.accountId,
      marker,
      truth: `on the platform: ${describeItem(item)}`,
    };
    if (!owner && marker && options.supersededMarkers.has(marker)) {
      violations.push({
        ...base,
        kind: "edit-ignored",
        product: "the API accepted an edit of this text before it was due",
        at: item.createdAt,
      });
    } else if (!owner) {
      violations.push({
        ...base,
        kind: "duplicate",
        targetId: owners.map((target) => target.id).join(", ") || undefined,
        product: owners.length ? owners.map(product).join(" | ") : "no target has this text",
        at: item.createdAt,
      });
    } else if (owner.state === "cancelled") {
      violations.push({
        ...base,
        kind: "cancelled-but-present",
        targetId: owner.id,
        product: product(owner),
        at: item.createdAt,
      });
    } else if (owner.state === "failed" && !namesAsPublished(owner.error, item.id)) {
      violations.push({
        ...base,
        kind: "failed-but-present",
        targetId: owner.id,
        product: product(owner),
        at: item.createdAt,
      });
    } else if (owner.state === "unknown" && !saysItMayHaveLanded.test(owner.error ?? "")) {
      violations.push({
        ...base,
        kind: "unknown-present-unsaid",
        targetId: owner.id,
        product: product(owner),
        at: item.createdAt,
      });
    }
  }
  return violations;
}

/** A thread that failed part-way is honest when its reason names the parts that are out. */
function namesAsPublished(reason: string | null | undefined, remoteId: string): boolean {
  const ids = /published \(ids ([^)]*)\)/.exec(reason ?? "")?.[1];
  return ids !== undefined && ids.split(", ").includes(remoteId);
}

/** An X thread: each part once, each a reply to the part before it. */
function checkThread(
  target: TargetOutcome,
  head: PublishedItem,
  items: PublishedItem[],
  base: Pick<Violation, "platform" | "account" | "targetId" | "marker" | "product">,
): Violation[] {
  const violations: Violation[] = [];
  const replies = items.filter((item) => item.platform === "x" && item.accountId === head.accountId && item.parentId);
  let previous = head;
  for (const [index, part] of target.threadParts.entries()) {
    const copies = replies.filter((reply) => reply.text === part);
    const inPlace = copies.find((reply) => reply.parentId === previous.id);
    if (copies.length > 1)
      violations.push({
        ...base,
        kind: "duplicate",
        truth: `part ${index + 2} is on X ${copies.length} times`,
        at: copies.at(-1)!.createdAt,
      });
    if (!inPlace) {
      violations.push({
        ...base,
        kind: "thread-broken",
        truth: copies.length
          ? `part ${index + 2} replies to ${copies[0]!.parentId}, not to part ${index + 1} (${previous.id})`
          : `part ${index + 2} is missing`,
        at: target.updatedAt,
      });
      break;
    }
    previous = inPlace;
  }
  return violations;
}

/** The accounts a run's targets go to, keyed as checkTargets wants them. */
export function accountsOf(organizations: Organization[]): Set<string> {
  return new Set(
    organizations.flatMap((organization) =>
      Object.values(organization.accounts).map((account) => `${account.platform}|${account.sandboxAccount}`),
    ),
  );
}
