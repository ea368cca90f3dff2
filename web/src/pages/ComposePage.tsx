import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import type { RuleSettings } from "../../../src/platforms/profile";
import { platformProfiles } from "../../../src/platforms/profiles";
import { api, type MediaItem, type PlatformId } from "../api";
import { AccountChoice, unpostableReason } from "../components/AccountChoice";
import { useAllowances } from "../components/allowances";
import { ComposePreview } from "../components/ComposePreview";
import { MediaUploads, useUploads } from "../components/MediaUploads";
import { PlatformOptions, sentOptions, type OptionValues } from "../components/PlatformOptions";
import { publishNow, ScheduleChoice } from "../components/ScheduleChoice";
import { Button, Card, Field, fieldError, FormError, PageHeader } from "../components/ui";
import { wallTimeToIso } from "../time";

export function ComposePage() {
  const navigate = useNavigate();
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
  const [content, setContent] = useState("");
  const [link, setLink] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const uploads = useUploads();
  const [schedule, setSchedule] = useState(publishNow);
  const [options, setOptions] = useState<Partial<Record<PlatformId, OptionValues>>>({});
  const [optionMedia, setOptionMedia] = useState<MediaItem[]>([]);

  const accounts = connections.data?.connections ?? [];
  const usable = accounts.filter((connection) => unpostableReason(connection) === undefined);
  const chosen = usable.filter((connection) => selected.includes(connection.id));
  const platformsChosen = [...new Set(chosen.map((connection) => connection.platform))];
  const media = uploads.media;
  const knownMedia = new Map([...media, ...optionMedia].map((item) => [item.id, item]));
  const optionsOf = (platform: PlatformId) => options[platform] ?? platformProfiles[platform].optionDefaults;
  const withOptions = platformsChosen.filter((platform) => platformProfiles[platform].optionFields.length > 0);
  const allowances = useAllowances(chosen);

  const submit = useMutation({
    mutationFn: () =>
      api("POST", "/api/posts", {
        body: {
          content,
          ...(link ? { link } : {}),
          mediaIds: media.map((item) => item.id),
          connectionIds: selected,
          ...(schedule.when === "later" && schedule.localTime
            ? { scheduledAt: wallTimeToIso(schedule.localTime, schedule.zone) }
            : {}),
          options: Object.fromEntries(
            platformsChosen.map((platform) => [platform, sentOptions(platform, optionsOf(platform))]),
          ),
        },
      }),
    onSuccess: () => navigate("/posts"),
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate();
  };

  return (
    <>
      <PageHeader title="Compose" description="Write once; each account gets its platform's native form." />
      <form className="compose" onSubmit={onSubmit} noValidate>
        <div className="compose-main">
          <Card title="Post">
            <div className="field">
              <label className="field-label" htmlFor="content">
                Text
              </label>
              <textarea
                id="content"
                rows={6}
                value={content}
                onChange={(event) => setContent(event.target.value)}
                placeholder="What would you like to share?"
              />
              {fieldError(submit.error, "content") ? (
                <span className="field-error">{fieldError(submit.error, "content")}</span>
              ) : null}
            </div>
            <Field
              label="Link (optional)"
              name="link"
              type="url"
              placeholder="https://…"
              value={link}
              onChange={(event) => setLink(event.target.value)}
              error={fieldError(submit.error, "link")}
            />
            <MediaUploads uploads={uploads} error={fieldError(submit.error, "mediaIds")} />
          </Card>

          <AccountChoice
            accounts={accounts}
            selected={selected}
            onChange={setSelected}
            error={fieldError(submit.error, "connectionIds")}
          />

          {withOptions.length > 0 ? (
            <Card title="Platform options">
              {withOptions.map((platform) => (
                <PlatformOptions
                  key={platform}
                  platform={platform}
                  values={optionsOf(platform)}
                  onChange={(values) => setOptions((current) => ({ ...current, [platform]: values }))}
                  settings={settingsOf(platform)}
                  error={submit.error}
                  knownMedia={knownMedia}
                  onUploaded={(uploaded) => setOptionMedia((current) => [...current, ...uploaded])}
                  allowance={allowances.byPlatform[platform]}
                />
              ))}
              {allowances.problems.map((problem) => (
                <p className="field-error" key={problem}>
                  {problem}
                </p>
              ))}
            </Card>
          ) : null}

          <ScheduleChoice schedule={schedule} onChange={setSchedule} error={fieldError(submit.error, "scheduledAt")} />
          <FormError
            error={submit.error}
            fields={[
              "content",
              "link",
              "mediaIds",
              "connectionIds",
              "scheduledAt",
              ...platformsChosen.flatMap((platform) =>
                platformProfiles[platform].optionFields.flatMap((field) =>
                  field.kind === "text" || field.kind === "choice" ? [`options.${platform}.${field.key}`] : [],
                ),
              ),
            ]}
          />
          <div>
            <Button type="submit" busy={submit.isPending} disabled={selected.length === 0 || uploads.pending}>
              {schedule.when === "later" ? "Schedule post" : "Publish now"}
            </Button>
          </div>
        </div>

        <ComposePreview
          platforms={platformsChosen}
          draft={{ content, link, media }}
          optionsOf={optionsOf}
          settingsOf={settingsOf}
          knownMedia={knownMedia}
        />
      </form>
    </>
  );
}
