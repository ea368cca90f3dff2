import { useRef, useState } from "react";
import { uploadMedia, type MediaItem } from "../api";

export interface Upload {
  /** Stable while others are added or removed, which a position in the list is not. */
  id: number;
  name: string;
  progress: number;
  media?: MediaItem;
  error?: string;
}

/** The post's attachments as they upload: each with its progress, then its media item or its error. */
export function useUploads() {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const nextId = useRef(0);
  const update = (id: number, change: Partial<Upload>) =>
    setUploads((current) => current.map((upload) => (upload.id === id ? { ...upload, ...change } : upload)));
  const add = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const id = nextId.current++;
      setUploads((current) => [...current, { id, name: file.name, progress: 0 }]);
      uploadMedia(file, (progress) => update(id, { progress }))
        .then((media) => update(id, { progress: 1, media }))
        .catch((error: Error) => update(id, { error: error.message }));
    }
  };
  const remove = (id: number) => setUploads((current) => current.filter((upload) => upload.id !== id));
  return {
    uploads,
    add,
    remove,
    media: uploads.flatMap((upload) => (upload.media ? [upload.media] : [])),
    pending: uploads.some((upload) => !upload.media && !upload.error),
  };
}

export function MediaUploads({ uploads, error }: { uploads: ReturnType<typeof useUploads>; error?: string }) {
  return (
    <div className="field">
      <label className="field-label" htmlFor="media">
        Images and videos
      </label>
      <input
        id="media"
        type="file"
        multiple
        accept="image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime,video/webm"
        onChange={(event) => uploads.add(event.target.files)}
      />
      <ul className="uploads">
        {uploads.uploads.map((upload) => (
          <li key={upload.id}>
            <span>{upload.name}</span>
            {upload.error ? (
              <span className="field-error">{upload.error}</span>
            ) : (
              <progress value={upload.progress} max={1} aria-label={`Upload of ${upload.name}`} />
            )}
            <button type="button" className="link-button" onClick={() => uploads.remove(upload.id)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {error ? <span className="field-error">{error}</span> : null}
    </div>
  );
}
