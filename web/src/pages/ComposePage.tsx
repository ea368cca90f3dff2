import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import type { RuleSettings } from "../../../src/platforms/profile";
import { platformProfiles } from "../../../src/platforms/profiles";
import type { PostVersions } from "../../../src/posts/versions";
import { api, type MediaItem, type PlatformId, type Post } from "../api";
import { AccountChoice, unpostableReason } from "../components/AccountChoice";
import { useAllowances } from "../components/allowances";
import { liveProblems, type Layer } from "../components/compose/problems";
import { changedFields, composedOf, type ComposedPost } from "../components/compose/request";
import { usePendingUploads } from "../components/compose/usePendingUploads";
import { chosenVersions, versionAt, withVersion } from "../components/compose/versions";
import { serverField, VersionsEditor, type SharedDraft } from "../components/compose/VersionsEditor";
import { PlatformOptions, sentOptions, type OptionValues } from "../components/PlatformOptions";
import { PostPreviews } from "../components/previews/PostPreviews";
import { publishNow, ScheduleChoice, type Schedule } from "../components/ScheduleChoice";
import { Button, Card, fieldError, FormError, PageHeader } from "../components/ui";
import { viewerZone, wallTimeToIso } from "../time";
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
      ? { when: "later", localTime: wallTime(new Date(post.scheduledAt).toISOString(), viewerZone), zone: viewerZone }
      : publishNow,
  );
  const [options, setOptions] = useState<Partial<Record<PlatformId, OptionValues>>>(
    (loaded?.options as Partial<Record<PlatformId, OptionValues>>) ?? {},
  );
  const [uploaded, setUploaded] = useState<MediaItem[]>([]);
  const [activeLayer, setActiveLayer] = useState<Layer>("shared");

  const uploads = usePendingUploads((layer, item) => {
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
  });

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
  });

  const composed = (): ComposedPost => ({
    ...sharedContent,
    connectionIds: selected,
    ...(schedule.when === "later" && schedule.localTime
      ? { scheduledAt: wallTimeToIso(schedule.localTime, schedule.zone) }
      : {}),
    options: Object.fromEntries(
      platformsChosen.map((platform) => [platform, sentOptions(platform, optionsOf(platform))]),
    ),
    versions: sentVersions,
  });

  const submit = useMutation({
    mutationFn: async () => {
      const { versions: ownVersions, ...body } = composed();
      if (post && loaded) {
        const changes = changedFields(loaded, composed());
        return api("PATCH", "/api/posts/{id}", { path: { id: post.id }, body: changes });
      }
      return api("POST", "/api/posts", {
        body: { ...body, ...(Object.keys(ownVersions).length ? { versions: ownVersions } : {}) },
      });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["post", post?.id] });
      navigate("/posts");
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate();
  };

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

          <ScheduleChoice schedule={schedule} onChange={setSchedule} error={fieldError(submit.error, "scheduledAt")} />
          <FormError
            error={submit.error}
            fields={[
              ...versionFieldNames,
              "connectionIds",
              "scheduledAt",
              ...platformsChosen.flatMap((platform) =>
                platformProfiles[platform].optionFields.flatMap((field) =>
                  field.kind === "text" || field.kind === "choice" ? [`options.${platform}.${field.key}`] : [],
                ),
              ),
            ]}
          />
          <div className="compose-actions">
            <Button type="submit" busy={submit.isPending} disabled={selected.length === 0 || uploads.busy}>
              {post ? "Save changes" : schedule.when === "later" ? "Schedule post" : "Publish now"}
            </Button>
          </div>
        </div>

        <PostPreviews
          accounts={chosen}
          shared={sharedContent}
          versions={sentVersions}
          optionsOf={optionsOf}
          knownMedia={knownMedia}
        />
      </form>
    </>
  );
}
