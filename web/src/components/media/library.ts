import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { api, uploadMedia } from "../../api";

export type LibraryPage = Awaited<ReturnType<typeof fetchPage>>;
export type LibraryItem = LibraryPage["media"][number];

const PAGE_SIZE = 24;

function fetchPage(page: number, kind: "image" | "video" | undefined) {
  return api("GET", "/api/media", { query: { page, pageSize: PAGE_SIZE, kind } });
}

/** What an `accept` attribute (`image/*`, `image/jpeg,video/mp4`) lets through. */
export function accepts(accept: string | undefined, contentType: string): boolean {
  if (!accept) return true;
  return accept
    .split(",")
    .map((entry) => entry.trim())
    .some((entry) => entry === contentType || (entry.endsWith("/*") && contentType.startsWith(entry.slice(0, -1))));
}

/** The one kind an `accept` allows, so the server filters; undefined when it allows both. */
function kindOf(accept: string | undefined): "image" | "video" | undefined {
  if (!accept) return undefined;
  const kinds = new Set(accept.split(",").map((entry) => entry.trim().split("/")[0]));
  return kinds.size === 1 && (kinds.has("image") || kinds.has("video"))
    ? (kinds.values().next().value as "image" | "video")
    : undefined;
}

/** The organization's library, newest first, a page at a time ("Show more" loads the next). */
export function useMediaLibrary(accept?: string, enabled = true) {
  const kind = kindOf(accept);
  const query = useInfiniteQuery({
    enabled,
    queryKey: ["media", kind ?? "all"],
    queryFn: ({ pageParam }) => fetchPage(pageParam, kind),
    initialPageParam: 1,
    getNextPageParam: (last) => (last.page * last.pageSize < last.total ? last.page + 1 : undefined),
  });
  const items = (query.data?.pages.flatMap((page) => page.media) ?? []).filter((item) =>
    accepts(accept, item.contentType),
  );
  return { query, items, total: query.data?.pages[0]?.total ?? 0 };
}

export interface Upload {
  id: number;
  name: string;
  progress: number;
  error?: string;
  mediaId?: string;
}

/** Files being uploaded to the library, each with its progress; the library reloads as each lands. */
export function useLibraryUploads(onUploaded?: (mediaId: string) => void) {
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const nextId = useRef(0);
  const update = (id: number, change: Partial<Upload>) =>
    setUploads((current) => current.map((upload) => (upload.id === id ? { ...upload, ...change } : upload)));
  const add = (files: FileList | File[] | null) => {
    for (const file of Array.from(files ?? [])) {
      const id = nextId.current++;
      setUploads((current) => [...current, { id, name: file.name, progress: 0 }]);
      uploadMedia(file, (progress) => update(id, { progress }))
        .then(async (media) => {
          update(id, { progress: 1, mediaId: media.id });
          await queryClient.invalidateQueries({ queryKey: ["media"] });
          onUploaded?.(media.id);
          // A finished upload shows in the grid; its row is no longer needed.
          setUploads((current) => current.filter((upload) => upload.id !== id));
        })
        .catch((error: Error) => update(id, { error: error.message }));
    }
  };
  const dismiss = (id: number) => setUploads((current) => current.filter((upload) => upload.id !== id));
  return { uploads, add, dismiss };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

/** "JPEG", "MP4": the format as people name it. */
export function formatName(contentType: string): string {
  const subtype = contentType.split("/")[1] ?? contentType;
  return subtype === "quicktime" ? "MOV" : subtype.toUpperCase();
}
