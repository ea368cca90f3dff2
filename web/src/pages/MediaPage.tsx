import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { imageFitFor } from "../../../src/platforms/image-fit";
import { platformIds, platformProfiles } from "../../../src/platforms/profiles";
import { CropPreview } from "../components/media/CropPreview";
import { DropZone } from "../components/media/DropZone";
import { useLibraryUploads, useMediaLibrary, type LibraryItem } from "../components/media/library";
import { MediaThumbnail, mediaFacts, usageText } from "../components/media/MediaTile";
import "../components/media/media.css";
import { api } from "../api";
import { Button, Card, FormError, PageHeader, RelativeTime, Spinner } from "../components/ui";
import { useSession } from "../session";

/** What each platform that refuses this image as uploaded is sent instead, with the crop it shows. */
function Conversions({ item }: { item: LibraryItem }) {
  const needs = platformIds.flatMap((id) => {
    const fit = imageFitFor(platformProfiles[id].limits, item);
    return fit ? [{ id, name: platformProfiles[id].name, fit }] : [];
  });
  if (item.kind !== "image") return <p className="muted small">Videos are sent as uploaded.</p>;
  if (needs.length === 0) return <p className="muted small">Every platform takes this image as it is.</p>;
  return (
    <ul className="media-conversions">
      {needs.map(({ id, name, fit }) => (
        <li key={id} className="media-detail">
          <strong>{name}</strong>
          <span className="small">
            Sent as JPEG{fit.width ? ` ${fit.width}×${fit.height}` : ""}: {fit.reasons.join(", ")}.
          </span>
          {fit.crop && item.width && item.height ? (
            <CropPreview
              src={item.thumbnailUrl ?? item.url}
              alt={`${item.fileName} as ${name} shows it`}
              width={item.width}
              height={item.height}
              crop={fit.crop}
            />
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function MediaCard({ item }: { item: LibraryItem }) {
  const { user, activeOrganization } = useSession();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const mayDelete = activeOrganization?.role !== "USER" || item.uploadedBy?.id === user.id;
  const remove = useMutation({
    mutationFn: () => api("DELETE", "/api/media/{id}", { path: { id: item.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["media"] }),
  });
  return (
    <li className={`media-tile${open ? " media-tile-open" : ""}`}>
      <MediaThumbnail item={item} />
      <span className="media-tile-text">
        <span className="media-name" title={item.fileName}>
          {item.fileName}
        </span>
        <span className="muted small">{mediaFacts(item)}</span>
        <span className="muted small">{usageText(item)}</span>
        <span className="muted small">
          {item.uploadedBy ? `${item.uploadedBy.name}, ` : ""}
          <RelativeTime at={item.createdAt} />
        </span>
      </span>
      <div className="row media-tile-actions">
        <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Hide platforms" : "Platforms"}
        </button>
        {mayDelete ? (
          <button
            type="button"
            className="link-button"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete ${item.fileName} from the library? This cannot be undone.`)) remove.mutate();
            }}
          >
            Delete
          </button>
        ) : null}
      </div>
      <FormError error={remove.error} />
      {open ? <Conversions item={item} /> : null}
    </li>
  );
}

export function MediaPage() {
  const uploads = useLibraryUploads();
  const library = useMediaLibrary();
  return (
    <>
      <PageHeader
        title="Media"
        description="Images and videos for your posts. A platform that refuses a file as uploaded is sent a JPEG made from it; the original stays here."
      />
      <Card>
        <DropZone uploads={uploads} />
      </Card>
      {library.query.isPending ? (
        <Spinner />
      ) : library.query.error ? (
        <FormError error={library.query.error} />
      ) : library.items.length === 0 ? (
        <p className="muted empty">No media yet: drop a file above to start the library.</p>
      ) : (
        <>
          <p className="muted small">
            {library.total} {library.total === 1 ? "file" : "files"}. Videos show their length: no frame of them can be
            drawn here.
          </p>
          <ul className="media-grid" aria-label="Library">
            {library.items.map((item) => (
              <MediaCard key={item.id} item={item} />
            ))}
          </ul>
          {library.query.hasNextPage ? (
            <Button
              variant="secondary"
              busy={library.query.isFetchingNextPage}
              onClick={() => void library.query.fetchNextPage()}
            >
              Show more
            </Button>
          ) : null}
        </>
      )}
    </>
  );
}
