import { useMutation, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { RuleSettings } from "../../../src/platforms/profile";
import { platformProfiles } from "../../../src/platforms/profiles";
import { can } from "../../../src/auth/permissions";
import { withShortLinkPlaceholders } from "../../../src/links/short-links";
import type { PostVersions, SharedContent } from "../../../src/posts/versions";
import { api, ApiError, type MediaItem, type PlatformId, type Post } from "../api";
import { AccountChoice, unpostableReason } from "../components/AccountChoice";
import { useAllowances } from "../components/allowances";
import { layerOfField, liveProblems, type Layer } from "../components/compose/problems";
import { changedFields, composedOf, type ComposedPost, type PostEdit } from "../components/compose/request";
import { useDuplicateCheck } from "../components/compose/useDuplicateCheck";
import { usePendingUploads } from "../components/compose/usePendingUploads";
import { chosenVersions, versionAt, withVersion } from "../components/compose/versions";
import { serverField, VersionsEditor, type SharedDraft } from "../components/compose/VersionsEditor";
import type { LibraryPage } from "../components/media/library";
import { MediaPicker } from "../components/media/MediaPicker";
import { PlatformOptions, sentOptions, type OptionValues } from "../components/PlatformOptions";
import { PostPreviews } from "../components/previews/PostPreviews";
import { publishNow, ScheduleChoice, type Schedule } from "../components/ScheduleChoice";
import { Button, Card, fieldError, FormError, PageHeader, SelectField } from "../components/ui";
import { useSession } from "../session";
import { formatInZone, viewerZone, wallTimeToIso } from "../time";
import "../components/compose/compose.css";

/** The wall-clock time of an instant in a zone, as a datetime-local input writes it. */
function wallTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  })
    .format(new Date(iso))
    .replace(" ", "T");
}

/** `/compose` writes a new post; `/compose?post=<id>` loads that post to edit it. */
export function ComposePage() {
  const [search] = useSearchParams();
  const postId = search.get("post");
  const existing = useQuery({
    queryKey: ["post", postId],
    queryFn: () => api("GET", "/api/posts/{id}", { path: { id: postId! } }),
    enabled: postId !== null,
  });
  if (postId === null) return <Composer />;
  if (existing.error)
    return (
      <>
        <PageHeader title="Edit post" />
        <FormError error={existing.error} />
      </>
    );
  if (!existing.data) return <PageHeader title="Edit post" description="Loading the post…" />;
  return <Composer key={postId} post={existing.data.post} />;
}

function Composer({ post }: { post?: Post }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => api("GET", "/api/social-media/connections"),
  });
  const platformInfo = useQuery({
    queryKey: ["platforms"],
    queryFn: () => api("GET", "/api/social-media/platforms"),
  });
  const settingsOf = (platform: PlatformId): RuleSettings => ({
    flags: platformInfo.data?.platforms.find((info) => info.id === platform)?.flags ?? {},
  });
  const loaded = post ? composedOf(post) : undefined;
  const [shared, setShared] = useState<SharedDraft>({
    content: post?.content ?? "",
    link: post?.link ?? "",
    media: post?.media ?? [],
  });
  const [versions, setVersions] = useState<PostVersions>(loaded?.versions ?? {});
  const [selected, setSelected] = useState<string[]>(loaded?.connectionIds ?? []);
  const [schedule, setSchedule] = useState<Schedule>(
    post?.scheduledAt
      ? {
          when: "later",
          localTime: wallTime(new Date(post.scheduledAt).toISOString(), post.timeZone ?? viewerZone),
          zone: post.timeZone ?? viewerZone,
        }
      : publishNow,
  );
  const [options, setOptions] = useState<Partial<Record<PlatformId, OptionValues>>>(
    (loaded?.options as Partial<Record<PlatformId, OptionValues>>) ?? {},
  );
  const [uploaded, setUploaded] = useState<MediaItem[]>([]);
  const [activeLayer, setActiveLayer] = useState<Layer>("shared");
  const [campaignId, setCampaignId] = useState(loaded?.campaignId ?? "");

  const addMedia = (layer: Layer, item: MediaItem) => {
    setUploaded((current) => [...current, item]);
    if (layer === "shared") setShared((current) => ({ ...current, media: [...current.media, item] }));
    else
      setVersions((current) => {
        const version = versionAt(current, layer);
        // A version dropped while its upload ran is not brought back by it.
        return version
          ? withVersion(current, layer, { ...version, mediaIds: [...(version.mediaIds ?? []), item.id] })
          : current;
      });
  };
  const uploads = usePendingUploads(addMedia);
  const [libraryFor, setLibraryFor] = useState<Layer>();
  /** The picked files, as the library listed them (the picker has just shown them). */
  const addPicked = (layer: Layer, ids: string[]) => {
    const listed = queryClient
      .getQueriesData<InfiniteData<LibraryPage>>({ queryKey: ["media"] })
      .flatMap(([, data]) => data?.pages.flatMap((page) => page.media) ?? []);
    for (const id of ids) {
      const item = listed.find((candidate) => candidate.id === id);
      if (item) addMedia(layer, item);
    }
  };

  const me = useSession();
  const organization = useQuery({ queryKey: ["organization"], queryFn: () => api("GET", "/api/organization") });
  const needsApproval =
    organization.data?.organization.requireApproval === true && me.activeOrganization?.role === "USER";
  const seesCampaigns = me.activeOrganization ? can(me.activeOrganization.role, "campaigns:view") : false;
  const campaigns = useQuery({
    queryKey: ["campaigns"],
    queryFn: () => api("GET", "/api/campaigns"),
    enabled: seesCampaigns,
  });
  /** Previews and length checks show each link as the short link it will be sent as. */
  const asSent = (sent: SharedContent): SharedContent => {
    const settings = organization.data?.organization;
    return settings?.trackLinks ? withShortLinkPlaceholders(sent, settings.shortLinkPrefix) : sent;
  };

  const accounts = connections.data?.connections ?? [];
  const usable = accounts.filter((connection) => unpostableReason(connection) === undefined);
  const chosen = usable.filter((connection) => selected.includes(connection.id));
  const platformsChosen = [...new Set(chosen.map((connection) => connection.platform))];
  const knownMedia = new Map([...(post?.media ?? []), ...shared.media, ...uploaded].map((item) => [item.id, item]));
  const optionsOf = (platform: PlatformId) => options[platform] ?? platformProfiles[platform].optionDefaults;
  const allowances = useAllowances(chosen);
  const sharedContent = {
    content: shared.content,
    link: shared.link || undefined,
    mediaIds: shared.media.map((item) => item.id),
  };
  const sentVersions = chosenVersions(versions, chosen);
  const problems = liveProblems({
    accounts: chosen,
    shared: sharedContent,
    versions: sentVersions,
    optionsOf,
    settingsOf,
    knownMedia,
    asSent,
  });

  const duplicates = useDuplicateCheck({
    content: shared.content,
    link: shared.link,
    connectionIds: chosen.map((account) => account.id),
    versions: sentVersions,
    excludePostId: post?.id,
  });
  /** Only a new post may be queued: an existing one keeps or is given a time of its own. */
  const queued = !post && schedule.when === "queue";

  const composed = (): ComposedPost => ({
    ...sharedContent,
    connectionIds: selected,
    ...(schedule.when === "later" && schedule.localTime
      ? { scheduledAt: wallTimeToIso(schedule.localTime, schedule.zone), timeZone: schedule.zone }
      : // A scheduled post moved to "now" keeps a time: now.
        post?.scheduledAt && post.status !== "draft"
        ? { scheduledAt: new Date().toISOString() }
        : {}),
    options: Object.fromEntries(
      platformsChosen.map((platform) => [platform, sentOptions(platform, optionsOf(platform))]),
    ),
    versions: sentVersions,
    ...(campaignId ? { campaignId } : {}),
  });

  /** What the buttons do: keep a draft, hand it to an admin, put it on the schedule, save an edit, or save and try failed accounts again. */
  type Action = "draft" | "submit" | "schedule" | "save" | "retry";
  const submit = useMutation({
    mutationFn: async (action: Action) => {
      const whole = composed();
      if (!post || !loaded) {
        const { versions: ownVersions, ...body } = whole;
        const created = await api("POST", "/api/posts", {
          body: {
            ...body,
            ...(Object.keys(ownVersions).length ? { versions: ownVersions } : {}),
            ...(action === "schedule" ? {} : { draft: true }),
            ...(queued && action === "schedule" ? { queue: true } : {}),
          },
        });
        // The time the server picked is news to the author: it is shown before leaving the page.
        if (created.slot) return created.slot;
        if (action === "submit") {
          await api("POST", "/api/posts/{id}/submit", { path: { id: created.post.id } }).catch((error: unknown) => {
            // The draft is kept: what the submission lacked is fixed on it, not on a second copy.
            navigate(`/compose?post=${created.post.id}`, { replace: true });
            throw error;
          });
        }
        return;
      }
      const changes: PostEdit & { draft?: boolean } = changedFields(loaded, whole);
      if (action === "schedule" && post.status === "draft") changes.draft = false;
      if (Object.keys(changes).length > 0)
        await api("PATCH", "/api/posts/{id}", { path: { id: post.id }, body: changes });
      if (action === "submit") await api("POST", "/api/posts/{id}/submit", { path: { id: post.id } });
      if (action === "retry")
        for (const target of post.targets.filter((candidate) => candidate.state === "failed"))
          await api("POST", "/api/posts/{id}/targets/{targetId}/retry", { path: { id: post.id, targetId: target.id } });
    },
    onSuccess: async (slot) => {
      await queryClient.invalidateQueries({ queryKey: ["post", post?.id] });
      if (!slot) navigate("/posts");
    },
    onError: (error) => {
      // A refusal of one version's field is shown in that version's tab.
      const layer = error instanceof ApiError && error.field ? layerOfField(error.field) : undefined;
      if (layer) setActiveLayer(layer);
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate(post && post.status !== "draft" ? "save" : needsApproval ? "submit" : "schedule");
  };

  const primaryAction: Action = post && post.status !== "draft" ? "save" : needsApproval ? "submit" : "schedule";
  /** Nothing of a post that has gone out everywhere can change; the server would refuse it. */
  const finished = post !== undefined && post.targets.length > 0 && !post.targets.some((target) => target.editable);
  // Once queued, the post exists: a second click would queue a copy.
  const blocked = submit.isPending || uploads.busy || selected.length === 0 || finished || submit.data !== undefined;

  const versionFieldNames = [
    "shared" as Layer,
    ...chosen.flatMap((account) => [`platform:${account.platform}`, `account:${account.id}`] as Layer[]),
  ].flatMap((layer) => ["content", "link", "mediaIds"].map((field) => serverField(layer, field)));

  return (
    <>
      <PageHeader
        title={post ? "Edit post" : "Compose"}
        description={
          post
            ? "Change anything until it starts publishing; only what you change is saved."
            : "Write once, then give any network or account its own version."
        }
      />
      <form className="compose" onSubmit={onSubmit} noValidate>
        <div className="compose-main">
          <AccountChoice
            accounts={accounts}
            selected={selected}
            onChange={setSelected}
            error={fieldError(submit.error, "connectionIds")}
          />
          <Card title="Post">
            <VersionsEditor
              accounts={chosen}
              shared={shared}
              onShared={(change) => setShared((current) => ({ ...current, ...change }))}
              versions={versions}
              onVersions={setVersions}
              knownMedia={knownMedia}
              problems={problems}
              serverError={submit.error}
              pending={uploads.byLayer}
              onFiles={uploads.start}
              onDismiss={uploads.dismiss}
              onLibrary={setLibraryFor}
              active={activeLayer}
              onActive={setActiveLayer}
              renderOptions={(platform) =>
                platformProfiles[platform].optionFields.length > 0 ? (
                  <PlatformOptions
                    platform={platform}
                    values={optionsOf(platform)}
                    onChange={(values) => setOptions((current) => ({ ...current, [platform]: values }))}
                    settings={settingsOf(platform)}
                    error={submit.error}
                    knownMedia={knownMedia}
                    onUploaded={(items) => setUploaded((current) => [...current, ...items])}
                    allowance={allowances.byPlatform[platform]}
                  />
                ) : null
              }
            />
            {allowances.problems.map((problem) => (
              <p className="field-error" key={problem}>
                {problem}
              </p>
            ))}
          </Card>

          {seesCampaigns ? (
            <SelectField
              label="Campaign"
              name="campaignId"
              value={campaignId}
              onChange={(event) => setCampaignId(event.target.value)}
            >
              <option value="">No campaign</option>
              {(campaigns.data?.campaigns ?? []).map((campaign) => (
                <option key={campaign.id} value={campaign.id}>
                  {campaign.name}
                </option>
              ))}
            </SelectField>
          ) : null}
          <ScheduleChoice
            schedule={schedule}
            onChange={setSchedule}
            error={fieldError(submit.error, "scheduledAt")}
            canQueue={!post}
            queueError={fieldError(submit.error, "queue")}
          />
          {duplicates.warnings.length > 0 ? (
            <div className="alert alert-warning" role="status" data-testid="duplicate-warnings">
              {duplicates.warnings.map((warning) => (
                <p key={warning.connectionId}>{warning.message}</p>
              ))}
            </div>
          ) : null}
          <FormError
            error={submit.error}
            fields={[
              ...versionFieldNames,
              "connectionIds",
              "scheduledAt",
              "queue",
              ...platformsChosen.flatMap((platform) =>
                platformProfiles[platform].optionFields.flatMap((field) =>
                  field.kind === "text" || field.kind === "choice" ? [`options.${platform}.${field.key}`] : [],
                ),
              ),
            ]}
          />
          <div className="compose-actions">
            {primaryAction === "save" ? (
              <Button type="submit" busy={submit.isPending} disabled={blocked}>
                Save changes
              </Button>
            ) : (
              <>
                <Button type="submit" busy={submit.isPending} disabled={blocked}>
                  {primaryAction === "submit"
                    ? "Submit for approval"
                    : queued
                      ? "Add to queue"
                      : schedule.when === "later"
                        ? "Schedule post"
                        : "Publish now"}
                </Button>
                <Button
                  type="button"
                  variant="secondary"
                  disabled={submit.isPending || uploads.busy}
                  onClick={() => submit.mutate("draft")}
                >
                  Save draft
                </Button>
              </>
            )}
            {post?.targets.some((target) => target.state === "failed") ? (
              <Button type="button" variant="secondary" disabled={blocked} onClick={() => submit.mutate("retry")}>
                Save and retry failed accounts
              </Button>
            ) : null}
          </div>
          {submit.data ? (
            <div className="alert alert-success" role="status">
              Added to the queue for {formatInZone(submit.data.scheduledAt)}
              {submit.data.timeZone !== viewerZone
                ? ` (${submit.data.localTime.slice(11, 16)} in ${submit.data.timeZone})`
                : ""}
              . <Link to="/posts">See it in Posts</Link>
            </div>
          ) : null}
          {needsApproval && primaryAction === "submit" ? (
            <p className="small compose-note">
              Your organization asks an admin to approve posts before they are scheduled.
            </p>
          ) : null}
          {finished ? (
            <p className="small compose-note">
              This post has started publishing on every account: it can no longer be changed.
            </p>
          ) : null}
          {post?.status === "awaiting_approval" ? (
            <p className="small compose-note">This post is waiting for an admin's approval.</p>
          ) : null}
          {post?.reviewComment ? (
            <div className="alert" role="note">
              Sent back by an admin: {post.reviewComment}
            </div>
          ) : null}
        </div>

        <PostPreviews
          accounts={chosen}
          shared={sharedContent}
          versions={sentVersions}
          optionsOf={optionsOf}
          knownMedia={knownMedia}
          asSent={asSent}
        />
      </form>
      <MediaPicker
        open={libraryFor !== undefined}
        onClose={() => setLibraryFor(undefined)}
        onPick={(ids) => libraryFor && addPicked(libraryFor, ids)}
      />
    </>
  );
}
