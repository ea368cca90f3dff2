import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { ApiError } from "../api";
import type { paths } from "../api/schema";
import { Button, Card, FormError, PageHeader } from "../components/ui";
import { formatInZone } from "../time";
import "./import.css";

type ImportReport = paths["/api/posts/import"]["post"]["responses"][200]["content"]["application/json"]["import"];
type Mode = ImportReport["mode"];

const statusLabels: Record<ImportReport["rows"][number]["status"], string> = {
  valid: "Valid",
  refused: "Refused",
  scheduled: "Scheduled",
  not_scheduled: "Not scheduled",
};

const columnLabels: Record<string, string> = {
  text: "Text",
  link: "Link",
  media_url: "Media URL",
  accounts: "Accounts",
  time: "Time",
  zone: "Zone",
};

/**
 * Sends the file as a form, as the upload of media does: the answer carries the report even when
 * the import is refused (422), so the refused rows can be shown.
 */
async function sendImport(file: File, options: { mode: Mode; queue: boolean; dryRun: boolean }): Promise<ImportReport> {
  const query = new URLSearchParams({
    mode: options.mode,
    queue: String(options.queue),
    dryRun: String(options.dryRun),
  });
  const form = new FormData();
  form.set("file", file);
  const response = await fetch(`/api/posts/import?${query}`, {
    method: "POST",
    credentials: "same-origin",
    body: form,
  });
  const payload = await response.json().catch(() => undefined);
  if (payload?.import) return payload.import as ImportReport;
  const error = payload?.error;
  throw new ApiError(
    response.status,
    error?.code ?? "unknown",
    error?.message ?? "The import could not be read.",
    error?.field,
  );
}

function RowList({ report }: { report: ImportReport }) {
  return (
    <ol className="import-rows" aria-label="Rows of the file">
      {report.rows.map((row) => (
        <li
          key={row.line}
          className={`import-row import-row-${row.status}`}
          data-testid={`import-row-${row.line}`}
          aria-label={`Line ${row.line}: ${statusLabels[row.status]}`}
        >
          <div className="import-row-head">
            <span className="import-line">Line {row.line}</span>
            <span className={`badge import-badge-${row.status}`}>{statusLabels[row.status]}</span>
          </div>
          <p className="import-text">{row.text || <em>No text</em>}</p>
          <p className="muted small">
            {row.accounts.length > 0 ? row.accounts.map((account) => account.name).join(", ") : "No account"}
            {row.scheduledAt ? (
              <>
                {" · "}
                {formatInZone(row.scheduledAt)}
                {row.slotLocalTime ? " (posting slot)" : ""}
              </>
            ) : null}
            {row.postId ? (
              <>
                {" · "}
                <Link to={`/compose?post=${row.postId}`}>Open</Link>
              </>
            ) : null}
          </p>
          {row.problems.length > 0 ? (
            <ul className="import-problems">
              {row.problems.map((problem, index) => (
                <li key={index} className="field-error">
                  <strong>{columnLabels[problem.field] ?? problem.field}:</strong> {problem.message}
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** Import posts from a CSV file: a preview of every row, then an explicit choice of what to schedule. */
export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [queue, setQueue] = useState(false);
  const preview = useMutation({
    mutationFn: (chosen: { file: File; queue: boolean }) =>
      sendImport(chosen.file, { mode: "all_or_nothing", queue: chosen.queue, dryRun: true }),
  });
  const schedule = useMutation({
    mutationFn: (mode: Mode) => sendImport(file!, { mode, queue, dryRun: false }),
  });
  const choose = (next: File | null, nextQueue = queue) => {
    setFile(next);
    schedule.reset();
    if (next) preview.mutate({ file: next, queue: nextQueue });
    else preview.reset();
  };
  const previewed = preview.data;
  const done = schedule.data;
  const shown = done ?? previewed;
  const valid = previewed ? previewed.rowCount - previewed.refusedCount : 0;

  return (
    <>
      <PageHeader
        title="Import posts"
        description="Schedule many posts at once from a CSV file. Every row is checked as a post from Compose is checked, and nothing is scheduled until you choose."
        actions={
          <Link className="button button-secondary" to="/posts">
            Back to posts
          </Link>
        }
      />
      <Card title="1. Choose a file">
        <div className="stack">
          <p className="muted small">
            Columns: <code>text, link, media_url, accounts, time, zone</code>. Accounts by name, @handle or id,
            separated by semicolons. Time as <code>2027-03-29 09:00</code> in the row's zone (such as Europe/Paris), or
            ISO 8601 with an offset.
          </p>
          <div className="field">
            <label className="field-label" htmlFor="import-file">
              CSV file
            </label>
            <input
              id="import-file"
              type="file"
              accept=".csv,text/csv"
              onChange={(event) => choose(event.target.files?.[0] ?? null)}
            />
          </div>
          <label className="inline-check">
            <input
              type="checkbox"
              checked={queue}
              onChange={(event) => {
                setQueue(event.target.checked);
                if (file) choose(file, event.target.checked);
              }}
            />
            Rows without a time take the accounts' next free posting slots
          </label>
          {preview.isPending ? <p className="muted">Checking every row…</p> : null}
          <FormError error={preview.error} />
        </div>
      </Card>
      {shown ? (
        <Card title={done ? "Report" : "2. Check the rows"}>
          <div className="stack">
            <div
              className={`alert ${shown.refusedCount > 0 ? "alert-warning-import" : "alert-success"}`}
              role="status"
              data-testid="import-summary"
            >
              {shown.summary}
            </div>
            {done ? (
              <p>
                <Link to="/posts">See the scheduled posts</Link>
              </p>
            ) : previewed && previewed.rowCount > 0 ? (
              <div className="import-actions">
                {previewed.refusedCount === 0 ? (
                  <Button busy={schedule.isPending} onClick={() => schedule.mutate("all_or_nothing")}>
                    Schedule all {previewed.rowCount} posts
                  </Button>
                ) : (
                  <>
                    <p className="muted small">
                      {previewed.refusedCount} refused {previewed.refusedCount === 1 ? "row" : "rows"}: fix the file and
                      choose it again, or schedule only the {valid} valid {valid === 1 ? "row" : "rows"}; the refused
                      ones will not be scheduled.
                    </p>
                    <Button busy={schedule.isPending} disabled={valid === 0} onClick={() => schedule.mutate("partial")}>
                      Schedule valid rows only ({valid})
                    </Button>
                  </>
                )}
              </div>
            ) : null}
            <FormError error={schedule.error} />
            <RowList report={shown} />
          </div>
        </Card>
      ) : null}
    </>
  );
}
