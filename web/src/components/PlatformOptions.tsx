import type { AccountAllowance, OptionField, RuleSettings } from "../../../src/platforms/profile";
import { platformProfiles, type PlatformId } from "../../../src/platforms/profiles";
import { uploadMedia, type MediaItem } from "../api";
import { Field, fieldError } from "./ui";

export type OptionValues = Record<string, unknown>;

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const idLists = (value: unknown): string[][] => (Array.isArray(value) ? value.map(strings) : []);

/** The options as the API takes them: empty texts and empty part lists left out. */
export function sentOptions(platform: PlatformId, values: OptionValues): OptionValues {
  const sent: OptionValues = { ...values };
  for (const field of platformProfiles[platform].optionFields) {
    if (field.kind === "text" && !values[field.key]) delete sent[field.key];
    if (field.kind === "parts") {
      const parts = strings(values[field.textKey]);
      if (parts.length === 0) {
        delete sent[field.textKey];
        delete sent[field.mediaKey];
      } else sent[field.mediaKey] = parts.map((_, index) => idLists(values[field.mediaKey])[index] ?? []);
    }
  }
  return sent;
}

/** One platform's option fields, as its profile describes them. */
export function PlatformOptions({
  platform,
  values,
  onChange,
  settings,
  error,
  knownMedia,
  onUploaded,
  allowance,
}: {
  allowance?: AccountAllowance;
  platform: PlatformId;
  values: OptionValues;
  onChange: (values: OptionValues) => void;
  settings: RuleSettings;
  error: unknown;
  knownMedia: ReadonlyMap<string, MediaItem>;
  onUploaded: (media: MediaItem[]) => void;
}) {
  const profile = platformProfiles[platform];
  const set = (key: string, value: unknown) => onChange({ ...values, [key]: value });
  const id = (field: OptionField) => `${platform}-${field.kind === "parts" ? field.textKey : field.key}`;
  return (
    <fieldset className="platform-options" data-testid={`options-${platform}`}>
      <legend>{profile.name}</legend>
      {allowance?.postingAs ? (
        <p className="muted small" data-testid={`posting-as-${platform}`}>
          Posting as {allowance.postingAs}
          {allowance.maxVideoSeconds ? ` · videos up to ${allowance.maxVideoSeconds} s` : ""}
        </p>
      ) : null}
      {profile.optionFields.map((field) => {
        switch (field.kind) {
          case "text":
            return (
              <Field
                key={id(field)}
                label={field.label}
                name={id(field)}
                placeholder={field.placeholder}
                value={String(values[field.key] ?? "")}
                onChange={(event) => set(field.key, event.target.value)}
                error={fieldError(error, `options.${platform}.${field.key}`)}
              />
            );
          case "choice": {
            const allowed = allowance?.choices?.[field.key];
            const offered = (field.offered?.(settings) ?? field.choices.map((choice) => choice.value)).filter(
              (value) => !allowed || allowed.includes(value),
            );
            const notice = field.notice?.(settings);
            return (
              <div className="field" key={id(field)}>
                <label className="field-label" htmlFor={id(field)}>
                  {field.label}
                </label>
                <select
                  id={id(field)}
                  value={String(values[field.key] ?? "")}
                  onChange={(event) => set(field.key, event.target.value || undefined)}
                >
                  {field.placeholder ? <option value="">{field.placeholder}</option> : null}
                  {field.choices.map((choice) => (
                    <option key={choice.value} value={choice.value} disabled={!offered.includes(choice.value)}>
                      {choice.label}
                    </option>
                  ))}
                </select>
                {notice ? <p className="muted small">{notice}</p> : null}
                {fieldError(error, `options.${platform}.${field.key}`) ? (
                  <p className="field-error">{fieldError(error, `options.${platform}.${field.key}`)}</p>
                ) : null}
              </div>
            );
          }
          case "toggle": {
            const switchedOff = allowance?.disabled?.includes(field.key) ?? false;
            return (
              <label className="inline-check" key={id(field)}>
                <input
                  type="checkbox"
                  checked={!switchedOff && values[field.key] === true}
                  disabled={switchedOff}
                  onChange={(event) => set(field.key, event.target.checked)}
                />{" "}
                {field.label}
                {switchedOff ? <span className="muted small"> (turned off in the account's settings)</span> : null}
              </label>
            );
          }
          case "parts": {
            const parts = strings(values[field.textKey]);
            const media = idLists(values[field.mediaKey]);
            return (
              <div className="field" key={id(field)}>
                <span className="field-label">{field.label}</span>
                {parts.map((part, index) => (
                  <div className="thread-part" key={index}>
                    <textarea
                      rows={2}
                      aria-label={`Thread part ${index + 2}`}
                      value={part}
                      onChange={(event) =>
                        set(
                          field.textKey,
                          parts.map((value, position) => (position === index ? event.target.value : value)),
                        )
                      }
                    />
                    <input
                      type="file"
                      multiple
                      aria-label={`Images for thread part ${index + 2}`}
                      accept={[...profile.limits.imageTypes, ...profile.limits.videoTypes].join(",")}
                      onChange={async (event) => {
                        const files = Array.from(event.target.files ?? []);
                        const uploaded = await Promise.all(files.map((file) => uploadMedia(file, () => undefined)));
                        onUploaded(uploaded);
                        const next = parts.map((_, position) => media[position] ?? []);
                        next[index] = uploaded.map((item) => item.id);
                        set(field.mediaKey, next);
                      }}
                    />
                    {media[index]?.length ? (
                      <span className="muted small">
                        {media[index]!.map((mediaId) => knownMedia.get(mediaId)?.fileName ?? mediaId).join(", ")}
                      </span>
                    ) : null}
                  </div>
                ))}
                <button type="button" className="link-button" onClick={() => set(field.textKey, [...parts, ""])}>
                  + Add a thread part
                </button>
              </div>
            );
          }
        }
      })}
    </fieldset>
  );
}
