import { useId, useState, type ReactNode } from "react";
import type { useLibraryUploads } from "./library";

/** Where files are dropped or chosen, and their uploads' progress. */
export function DropZone({
  uploads,
  accept,
  multiple = true,
  children,
}: {
  uploads: ReturnType<typeof useLibraryUploads>;
  accept?: string;
  multiple?: boolean;
  children?: ReactNode;
}) {
  const inputId = useId();
  const [over, setOver] = useState(false);
  return (
    <div
      className={`media-drop${over ? " media-drop-over" : ""}`}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        uploads.add(Array.from(event.dataTransfer.files).slice(0, multiple ? undefined : 1));
      }}
    >
      <label htmlFor={inputId} className="media-drop-label">
        <strong>Drop images or videos here</strong>
        <span className="muted small">or click to choose files (JPEG, PNG, GIF, WebP, MP4, MOV, WebM)</span>
      </label>
      <input
        id={inputId}
        className="media-drop-input"
        type="file"
        multiple={multiple}
        accept={accept ?? "image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime,video/webm"}
        onChange={(event) => {
          uploads.add(event.target.files);
          event.target.value = "";
        }}
      />
      {uploads.uploads.length ? (
        <ul className="media-uploads">
          {uploads.uploads.map((upload) => (
            <li key={upload.id}>
              <span className="media-upload-name">{upload.name}</span>
              {upload.error ? (
                <>
                  <span className="field-error" role="alert">
                    {upload.error}
                  </span>
                  <button type="button" className="link-button" onClick={() => uploads.dismiss(upload.id)}>
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
      {children}
    </div>
  );
}
