import { useEffect, useRef, useState } from "react";
import { Button, FormError, Spinner } from "../ui";
import { DropZone } from "./DropZone";
import { accepts, useLibraryUploads, useMediaLibrary } from "./library";
import { MediaThumbnail, mediaFacts, usageText } from "./MediaTile";
import "./media.css";

export interface MediaPickerProps {
  open: boolean;
  /** Closing without picking (Cancel, Escape, the backdrop); also called after a pick. */
  onClose: () => void;
  /** The chosen media ids, in the order they were chosen. */
  onPick: (ids: string[]) => void;
  /** As a file input's accept (`image/*`, `image/jpeg,video/mp4`): only these are shown and uploaded. */
  accept?: string;
  /** Several files may be chosen; one when false. */
  multiple?: boolean;
}

/**
 * A dialog to choose media from the organization's library or upload new files (dropped or
 * chosen); what is uploaded here is chosen at once.
 */
export function MediaPicker({ open, onClose, onPick, accept, multiple = true }: MediaPickerProps) {
  const [chosen, setChosen] = useState<string[]>([]);
  const choose = (id: string) =>
    setChosen((current) => (multiple ? [...current.filter((other) => other !== id), id] : [id]));
  const toggle = (id: string) =>
    chosen.includes(id) ? setChosen((current) => current.filter((other) => other !== id)) : choose(id);
  const uploads = useLibraryUploads(choose);
  const library = useMediaLibrary(accept, open);

  const dialog = useRef<HTMLDivElement>(null);
  // The latest onClose, so a parent passing a new function each render does not reset the dialog.
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    if (!open) return;
    setChosen([]);
    // Keyboard and screen reader users start in the dialog, and return where they were.
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    const closeOnEscape = (event: KeyboardEvent) => event.key === "Escape" && close.current();
    window.addEventListener("keydown", closeOnEscape);
    return () => {
      window.removeEventListener("keydown", closeOnEscape);
      opener?.focus();
    };
  }, [open]);

  if (!open) return null;
  const pick = () => {
    onPick(chosen);
    onClose();
  };
  return (
    <div
      className="modal-backdrop"
      role="dialog"
      aria-modal="true"
      aria-labelledby="media-picker-title"
      onClick={(event) => event.target === event.currentTarget && onClose()}
    >
      <div className="modal media-picker" ref={dialog} tabIndex={-1}>
        <div className="media-picker-header">
          <h2 id="media-picker-title">Choose {multiple ? "media" : "a file"}</h2>
          <button type="button" className="link-button" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        <DropZone uploads={uploads} accept={accept} multiple={multiple} />
        {library.query.isPending ? (
          <Spinner />
        ) : library.query.error ? (
          <FormError error={library.query.error} />
        ) : library.items.length === 0 ? (
          <p className="muted">Nothing in the library yet: upload a file above.</p>
        ) : (
          <ul className="media-grid media-grid-picker" aria-label="Library">
            {library.items.map((item) => {
              const selected = chosen.includes(item.id);
              return (
                <li key={item.id}>
                  <label className={`media-tile media-choice${selected ? " media-choice-selected" : ""}`}>
                    <input
                      type={multiple ? "checkbox" : "radio"}
                      name="media-picker-choice"
                      checked={selected}
                      disabled={!accepts(accept, item.contentType)}
                      onChange={() => (multiple ? toggle(item.id) : choose(item.id))}
                    />
                    <MediaThumbnail item={item} />
                    <span className="media-tile-text">
                      <span className="media-name">{item.fileName}</span>
                      <span className="muted small">{mediaFacts(item)}</span>
                      <span className="muted small">{usageText(item)}</span>
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        )}
        {library.query.hasNextPage ? (
          <Button
            variant="secondary"
            busy={library.query.isFetchingNextPage}
            onClick={() => void library.query.fetchNextPage()}
          >
            Show more
          </Button>
        ) : null}
        <div className="row media-picker-actions">
          <Button onClick={pick} disabled={chosen.length === 0}>
            {chosen.length <= 1 ? "Use this file" : `Use ${chosen.length} files`}
          </Button>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
        </div>
      </div>
    </div>
  );
}
