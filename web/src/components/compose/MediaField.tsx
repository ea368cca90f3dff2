import type { MediaItem } from "../../api";

/** An upload under way, kept by the page so switching tabs does not lose it. */
export interface PendingUpload {
  key: number;
  name: string;
  progress: number;
  error?: string;
}

/** A version's images and videos: thumbnails in order, uploads in progress, and what the platforms object to. */
export function MediaField({
  id,
  label,
  items,
  pending,
  onFiles,
  onRemove,
  onDismiss,
  onLibrary,
  problems,
}: {
  id: string;
  label: string;
  items: MediaItem[];
  pending: PendingUpload[];
  onFiles: (files: File[]) => void;
  onRemove: (mediaId: string) => void;
  onDismiss: (key: number) => void;
  /** Opens the organization's library to choose files already uploaded. */
  onLibrary: () => void;
  problems: string[];
}) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="compose-media-choices">
        <input
          id={id}
          type="file"
          multiple
          accept="image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime,video/webm"
          aria-describedby={problems.length ? `${id}-problems` : undefined}
          onChange={(event) => {
            onFiles(Array.from(event.target.files ?? []));
            event.target.value = "";
          }}
        />
        <button type="button" className="button button-secondary" onClick={onLibrary}>
          Choose from library
        </button>
      </div>
      {items.length || pending.length ? (
        <ul className="compose-media">
          {items.map((item) => (
            <li key={item.id} className="compose-media-item">
              {item.contentType.startsWith("video/") ? (
                <video src={item.url} muted preload="metadata" aria-hidden />
              ) : (
                <img src={item.url} alt="" />
              )}
              <span className="compose-media-name">{item.fileName}</span>
              <button
                type="button"
                className="link-button"
                aria-label={`Remove ${item.fileName}`}
                onClick={() => onRemove(item.id)}
              >
                Remove
              </button>
            </li>
          ))}
          {pending.map((upload) => (
            <li key={`pending-${upload.key}`} className="compose-media-item">
              <span className="compose-media-name">{upload.name}</span>
              {upload.error ? (
                <>
                  <span className="field-error">{upload.error}</span>
                  <button type="button" className="link-button" onClick={() => onDismiss(upload.key)}>
                    Dismiss
                  </button>
                </>
              ) : (
                <progress value={upload.progress} max={1} aria-label={`Upload of ${upload.name}`} />
              )}
            </li>
          ))}
        </ul>
      ) : null}
      <FieldProblems id={`${id}-problems`} problems={problems} />
    </div>
  );
}

/** The problems of one field, said next to it and tied to it for screen readers. */
export function FieldProblems({ id, problems }: { id: string; problems: string[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="field-problems" id={id} data-testid={id}>
      {problems.map((problem) => (
        <li className="field-error" key={problem}>
          {problem}
        </li>
      ))}
    </ul>
  );
}
