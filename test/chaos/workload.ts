import assert from "node:assert/strict";
import type { Random } from "./random.js";
import type { ChaosPlatform, Organization } from "./world.js";

/** Every kind of content the product publishes, and the shapes that trip up reconciliation. */
export type ContentKind =
  | "text"
  | "link"
  | "image"
  | "carousel"
  | "video"
  | "youtube"
  | "thread"
  /** Many posts whose first line is the same template, on every platform. */
  | "template"
  /** The same full text from both organizations, on different accounts. */
  | "twin";

const kindWeights: Record<ContentKind, number> = {
  text: 3,
  link: 2,
  image: 2,
  carousel: 1.5,
  video: 1.5,
  youtube: 1,
  thread: 2,
  template: 3,
  twin: 1.5,
};

/** The platforms each kind can go to, by the product's own rules (GET /api/posts/limits). */
const eligible: Record<ContentKind, ChaosPlatform[]> = {
  text: ["facebook", "x", "linkedin", "telegram"],
  link: ["facebook", "x", "linkedin", "telegram"],
  image: ["instagram", "facebook", "x", "linkedin", "telegram"],
  carousel: ["instagram", "facebook", "x", "linkedin", "telegram"],
  video: ["instagram", "facebook", "x", "linkedin", "youtube", "telegram"],
  youtube: ["youtube"],
  thread: ["x"],
  template: ["facebook", "x", "linkedin", "telegram"],
  twin: ["facebook", "x", "linkedin", "telegram"],
};

const templateFirstLine = "Weekly update from the Northwind roastery";

const phrases = [
  "the Ethiopian lot is resting for two days",
  "we moved the cupping to Thursday",
  "new filters arrived from the mill",
  "the espresso blend gets a little more Brazil",
  "decaf is back on the shelf",
  "oat milk is now free on weekends",
];

export interface PlannedPost {
  organization: number;
  kind: ContentKind;
  /** Appears in every text the post puts on a platform; shared only by twins. */
  marker: string;
  platforms: ChaosPlatform[];
  content: string;
  link?: string;
  photos: number;
  video: boolean;
  options: {
    threadParts?: string[];
    /** Photo counts per thread part. */
    threadPhotos?: number[];
    instagramFormat?: "post" | "reel";
    youtube?: { title?: string; privacy?: "public" | "unlisted" | "private"; short?: boolean };
  };
  /** 0: due now; otherwise scheduled this many milliseconds after it is created. */
  dueInMs: number;
  /**
   * What a person does to it while it waits: cancel it; edit its text (under a new marker) and
   * move it, as an API client sends it; or only move it, as the dashboard's reschedule sends it.
   * The old schedule's jobs must then do nothing, and nothing else about the post may change.
   */
  revision?:
    | { kind: "cancel" }
    | { kind: "edit"; marker: string; laterByMs: number }
    | { kind: "reschedule"; laterByMs: number };
}

/** Posts for both organizations until the targets reach the wanted count; the same for the same seed. */
export function planWorkload(random: Random, options: { targets: number; scheduleWindowMs: number }): PlannedPost[] {
  const posts: PlannedPost[] = [];
  let targets = 0;
  const due = () => (random.chance(0.4) ? 0 : random.int(2_000, options.scheduleWindowMs));
  while (targets < options.targets) {
    const kind = random.weighted(kindWeights);
    const marker = `chaos-${random.seed.toString(36)}-${posts.length}`;
    const organization = random.int(0, 1);
    const platforms = random.subset(eligible[kind]);
    const base = { organization, kind, marker, platforms, photos: 0, video: false, options: {}, dueInMs: due() };
    const planned: PlannedPost[] = [];
    switch (kind) {
      case "text":
        planned.push({ ...base, content: `Roastery note ${marker}: ${random.pick(phrases)}.` });
        break;
      case "link":
        planned.push({
          ...base,
          content: `Fresh notes ${marker}`,
          link: `https://northwind.example/notes/${marker}`,
        });
        break;
      case "image":
        planned.push({ ...base, content: `Latte art ${marker}`, photos: 1 });
        break;
      case "carousel":
        planned.push({ ...base, content: `Three roasts ${marker}`, photos: 3 });
        break;
      case "video":
        planned.push({
          ...base,
          content: `Behind the roaster ${marker}`,
          video: true,
          options: {
            instagramFormat: random.pick(["post", "reel"] as const),
            youtube: { title: `Behind the roaster ${marker}`, privacy: "unlisted" },
          },
        });
        break;
      case "youtube":
        planned.push({
          ...base,
          content: `Roast profile ${marker} explained, start to finish.`,
          video: true,
          options: {
            youtube: {
              title: `Roast profile ${marker}`,
              privacy: random.pick(["public", "unlisted", "private"] as const),
              short: random.chance(0.3),
            },
          },
        });
        break;
      case "thread": {
        const parts = random.int(2, 3);
        const threadParts = Array.from(
          { length: parts - 1 },
          (_, index) => `${marker} ${index + 2}/${parts}: ${random.pick(phrases)}`,
        );
        planned.push({
          ...base,
          content: `Thread ${marker} 1/${parts}: how we roast`,
          photos: random.chance(0.3) ? 1 : 0,
          options: { threadParts, threadPhotos: threadParts.map(() => (random.chance(0.3) ? 1 : 0)) },
        });
        break;
      }
      case "template": {
        // Half of them as video, to YouTube too, titled by the (shared) first line.
        const withVideo = random.chance(0.5);
        planned.push({
          ...base,
          platforms: withVideo ? random.subset(["youtube", ...eligible.template]) : platforms,
          content: `${templateFirstLine}\nBatch ${marker} is out of the roaster today.`,
          video: withVideo,
        });
        break;
      }
      case "twin":
        for (const twin of [0, 1])
          planned.push({
            ...base,
            organization: twin,
            content: `Same words everywhere ${marker}: doors open at nine.`,
          });
        break;
    }
    if (planned.length === 1 && base.dueInMs >= 8_000) {
      const roll = random.next();
      if (roll < 0.05) planned[0]!.revision = { kind: "cancel" };
      else if (roll < 0.1)
        planned[0]!.revision = {
          kind: "edit",
          marker: `chaos-${random.seed.toString(36)}-${100_000 + posts.length}`,
          laterByMs: random.int(1_000, 5_000),
        };
      else if (roll < 0.13) planned[0]!.revision = { kind: "reschedule", laterByMs: random.int(1_000, 5_000) };
    }
    posts.push(...planned);
    targets += planned.reduce((sum, post) => sum + post.platforms.length, 0);
  }
  return posts;
}

export interface CreatedTarget {
  id: string;
  platform: ChaosPlatform;
  connectionId: string;
}

export interface CreatedPost {
  plan: PlannedPost;
  id: string;
  createdAt: number;
  targets: CreatedTarget[];
  /** The marker its text carries now (an edit changes it). */
  marker: string;
  /** Markers of texts the post no longer has: none of them may reach a platform. */
  supersededMarkers: string[];
  cancelled: boolean;
}

/** Creates the post through the product's API, exactly as the composer sends it. */
export async function createPost(organization: Organization, plan: PlannedPost): Promise<CreatedPost> {
  const { photos, video } = organization.media;
  const threadMedia = plan.options.threadPhotos?.map((count) => photos.slice(0, count));
  const body = {
    content: plan.content,
    ...(plan.link ? { link: plan.link } : {}),
    mediaIds: [...photos.slice(0, plan.photos), ...(plan.video ? [video] : [])],
    connectionIds: plan.platforms.map((platform) => organization.accounts[platform].connectionId),
    ...(plan.dueInMs > 0 ? { scheduledAt: new Date(Date.now() + plan.dueInMs).toISOString() } : {}),
    options: {
      ...(plan.options.threadParts
        ? {
            x: {
              threadParts: plan.options.threadParts,
              ...(threadMedia?.some((ids) => ids.length > 0) ? { threadMedia } : {}),
            },
          }
        : {}),
      ...(plan.options.instagramFormat && plan.platforms.includes("instagram")
        ? { instagram: { format: plan.options.instagramFormat } }
        : {}),
      ...(plan.options.youtube && plan.platforms.includes("youtube") ? { youtube: plan.options.youtube } : {}),
    },
  };
  const created = await organization.client.post("/api/posts", body);
  assert.equal(created.status, 201, `creating ${plan.marker} (${plan.kind}): ${JSON.stringify(created.body)}`);
  const post = created.body.post as { id: string; targets: CreatedTarget[] };
  return {
    plan,
    id: post.id,
    createdAt: Date.now(),
    targets: post.targets.map(({ id, platform, connectionId }) => ({ id, platform, connectionId })),
    marker: plan.marker,
    supersededMarkers: [],
    cancelled: false,
  };
}

/**
 * Cancels, edits or moves the post as planned, through the API. A post that has started
 * publishing is refused (409) and stays as it was; any other refusal is answered, for the
 * caller to report: the person's change of a valid post was turned down.
 */
export async function revisePost(organization: Organization, post: CreatedPost): Promise<string | undefined> {
  const revision = post.plan.revision;
  if (!revision) return undefined;
  const answer =
    revision.kind === "cancel"
      ? await organization.client.delete(`/api/posts/${post.id}`)
      : await organization.client.patch(`/api/posts/${post.id}`, {
          ...(revision.kind === "edit"
            ? { content: post.plan.content.replace(post.plan.marker, revision.marker) }
            : {}),
          scheduledAt: new Date(post.createdAt + post.plan.dueInMs + revision.laterByMs).toISOString(),
        });
  if (answer.status === 409) return undefined;
  if (answer.status >= 300) return `${revision.kind}: ${answer.status} ${JSON.stringify(answer.body)}`;
  if (revision.kind === "cancel") post.cancelled = true;
  if (revision.kind === "edit") {
    post.supersededMarkers.push(post.marker);
    post.marker = revision.marker;
  }
  return undefined;
}
