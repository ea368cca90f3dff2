import { useRef, useState } from "react";
import { uploadMedia, type MediaItem } from "../../api";
import type { PendingUpload } from "./MediaField";
import type { Layer } from "./problems";

/** Uploads under way, by the version they go to; each finished one is handed over and leaves the list. */
export function usePendingUploads(onUploaded: (layer: Layer, item: MediaItem) => void) {
  const [pending, setPending] = useState<(PendingUpload & { layer: Layer })[]>([]);
  const nextKey = useRef(0);
  const update = (key: number, change: Partial<PendingUpload>) =>
    setPending((current) => current.map((upload) => (upload.key === key ? { ...upload, ...change } : upload)));
  const dismiss = (_layer: Layer, key: number) =>
    setPending((current) => current.filter((upload) => upload.key !== key));
  const start = (layer: Layer, files: File[]) => {
    for (const file of files) {
      const key = nextKey.current++;
      setPending((current) => [...current, { key, layer, name: file.name, progress: 0 }]);
      uploadMedia(file, (progress) => update(key, { progress }))
        .then((item) => {
          dismiss(layer, key);
          onUploaded(layer, item);
        })
        .catch((error: Error) => update(key, { error: error.message }));
    }
  };
  const byLayer = new Map<Layer, PendingUpload[]>();
  for (const upload of pending) byLayer.set(upload.layer, [...(byLayer.get(upload.layer) ?? []), upload]);
  return { byLayer, start, dismiss, busy: pending.some((upload) => !upload.error) };
}
