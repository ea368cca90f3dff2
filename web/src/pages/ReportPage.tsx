import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { api, can } from "../api";
import { Button, Card, CopyButton, Field, FormError, PageHeader, RelativeTime } from "../components/ui";
import { useSession } from "../session";

type Detail = Awaited<ReturnType<typeof reportDetail>>;
const reportDetail = (reportId: string) => api("GET", "/api/reports/{reportId}", { path: { reportId } });

function ShareLinks({ detail, canManage }: { detail: Detail; canManage: boolean }) {
  const queryClient = useQueryClient();
  const [days, setDays] = useState(30);
  const [url, setUrl] = useState<string>();
  const path = { reportId: detail.report.id };
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["report", detail.report.id] });
  const create = useMutation({
    mutationFn: () => api("POST", "/api/reports/{reportId}/share-links", { path, body: { expiresInDays: days } }),
    onSuccess: (answer) => {
      setUrl(answer.url);
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (linkId: string) =>
      api("DELETE", "/api/reports/{reportId}/share-links/{linkId}", { path: { ...path, linkId } }),
    onSuccess: refresh,
  });
  return (
    <Card title="Share links">
      {url ? (
        <div className="alert alert-success" role="status">
          <div>
            <strong>Copy the link now: it will not be shown again.</strong> Whoever holds it sees this report only,
            until it expires or you revoke it.
            <code className="link-box" data-testid="share-url">
              {url}
            </code>
          </div>
          <CopyButton text={url} />
        </div>
      ) : null}
      {canManage ? (
        <div className="row">
          <Field
            label="Expires after (days)"
            name="expiresInDays"
            type="number"
            min={1}
            max={90}
            value={days}
            onChange={(event) => setDays(Number(event.target.value))}
          />
          <Button busy={create.isPending} onClick={() => create.mutate()}>
            Create share link
          </Button>
        </div>
      ) : null}
      <FormError error={create.error ?? revoke.error} />
      {detail.shareLinks.length === 0 ? (
        <p className="muted">No share links.</p>
      ) : (
        <ul className="connections">
          {detail.shareLinks.map((link) => (
            <li key={link.id} className="connection">
              <div className="connection-main">
                <span>
                  Created <RelativeTime at={link.createdAt} />, {link.status === "active" ? "expires" : "ended"}{" "}
                  {link.status === "revoked" && link.revokedAt ? (
                    <RelativeTime at={link.revokedAt} />
                  ) : (
                    <RelativeTime at={link.expiresAt} />
                  )}
                </span>
                <span className={`status ${link.status === "active" ? "status-healthy" : "status-invalid"}`}>
                  {link.status}
                </span>
                {canManage && link.status === "active" ? (
                  <Button variant="ghost" busy={revoke.isPending} onClick={() => revoke.mutate(link.id)}>
                    Revoke
                  </Button>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Sendings({ detail }: { detail: Detail }) {
  if (detail.report.scheduleKind === "none") return null;
  return (
    <Card title="E-mailed">
      {detail.sendings.length === 0 ? (
        <p className="muted">Not sent yet: it goes out at its next scheduled time.</p>
      ) : (
        <ul className="connections" data-testid="report-sendings">
          {detail.sendings.map((sending) => (
            <li key={sending.id} className="connection">
              <div className="connection-main">
                <span>
                  {sending.periodKey}: {sending.range.start} to {sending.range.end}
                </span>
                <span className={`status ${sending.state === "failed" ? "status-invalid" : "status-healthy"}`}>
                  {sending.state}
                </span>
              </div>
              {sending.error ? <p className="field-error">{sending.error}</p> : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function ReportPage() {
  const { reportId = "" } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const { activeOrganization } = useSession();
  const canManage = can(activeOrganization!.role, "reports:manage");
  const range =
    search.get("start") && search.get("end") ? { start: search.get("start")!, end: search.get("end")! } : {};
  const detail = useQuery({ queryKey: ["report", reportId], queryFn: () => reportDetail(reportId) });
  const content = useQuery({
    queryKey: ["report", reportId, "content", range],
    queryFn: () => api("GET", "/api/reports/{reportId}/content", { path: { reportId }, query: range }),
  });
  const remove = useMutation({
    mutationFn: () => api("DELETE", "/api/reports/{reportId}", { path: { reportId } }),
    onSuccess: () => navigate("/reports"),
  });
  const pdfQuery =
    range.start && range.end ? new URLSearchParams({ start: range.start, end: range.end }).toString() : "";
  return (
    <>
      <PageHeader
        title={detail.data?.report.title ?? "Report"}
        actions={
          <>
            <a
              className="button button-secondary"
              href={`/api/reports/${encodeURIComponent(reportId)}/pdf${pdfQuery ? `?${pdfQuery}` : ""}`}
              download
            >
              Download PDF
            </a>
            {canManage ? (
              <Button
                variant="ghost"
                busy={remove.isPending}
                onClick={() => {
                  if (window.confirm("Delete this report, its sending history and its share links?")) remove.mutate();
                }}
              >
                Delete
              </Button>
            ) : null}
          </>
        }
      />
      <div className="stack">
        <FormError error={detail.error ?? content.error ?? remove.error} />
        <Card>
          {content.data ? (
            // Rendered by the server from the report's figures, every text escaped: the same page a share link shows.
            <div className="report-frame" dangerouslySetInnerHTML={{ __html: content.data.html }} />
          ) : (
            <p className="muted">Loading…</p>
          )}
        </Card>
        {detail.data ? <Sendings detail={detail.data} /> : null}
        {detail.data ? <ShareLinks detail={detail.data} canManage={canManage} /> : null}
      </div>
    </>
  );
}
