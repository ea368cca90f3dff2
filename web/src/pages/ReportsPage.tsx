import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api, ApiError, can } from "../api";
import { Button, Card, Field, fieldError, FormError, PageHeader, SelectField } from "../components/ui";
import { useSession } from "../session";

const rangeLabels = {
  last_7_days: "Last 7 days",
  last_month: "Last month",
  month_to_date: "Month to date",
  fixed: "Fixed dates",
} as const;
type RangeKind = keyof typeof rangeLabels;

const weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** The viewer's own zone, which a new report's schedule starts in. */
const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function NewReportForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [title, setTitle] = useState("");
  const [rangeKind, setRangeKind] = useState<RangeKind>("last_7_days");
  const [rangeStart, setRangeStart] = useState("");
  const [rangeEnd, setRangeEnd] = useState("");
  const [recipients, setRecipients] = useState("");
  const [scheduleKind, setScheduleKind] = useState<"none" | "weekly" | "monthly">("none");
  const [weekday, setWeekday] = useState(1);
  const [monthDay, setMonthDay] = useState(1);
  const [hour, setHour] = useState(9);
  const [timeZone, setTimeZone] = useState(viewerZone);
  const create = useMutation({
    mutationFn: () =>
      api("POST", "/api/reports", {
        body: {
          title,
          rangeKind,
          rangeStart: rangeKind === "fixed" ? rangeStart || null : null,
          rangeEnd: rangeKind === "fixed" ? rangeEnd || null : null,
          recipients: recipients
            .split(/[\s,;]+/)
            .map((address) => address.trim())
            .filter(Boolean),
          scheduleKind,
          scheduleWeekday: scheduleKind === "weekly" ? weekday : null,
          scheduleMonthDay: scheduleKind === "monthly" ? monthDay : null,
          scheduleHour: scheduleKind === "none" ? null : hour,
          timeZone,
        },
      }),
    onSuccess: async (answer) => {
      await queryClient.invalidateQueries({ queryKey: ["reports"] });
      onDone();
      navigate(`/reports/${answer.report.id}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const error = create.error;
  // An address's error names its place in the list (recipients.2).
  const recipientsError = error instanceof ApiError && error.field?.startsWith("recipients") ? error : undefined;
  return (
    <form className="stack" onSubmit={submit} aria-label="New report">
      <Field
        label="Title"
        name="title"
        value={title}
        required
        onChange={(event) => setTitle(event.target.value)}
        error={fieldError(error, "title")}
      />
      <SelectField
        label="Range"
        name="rangeKind"
        value={rangeKind}
        onChange={(event) => setRangeKind(event.target.value as RangeKind)}
      >
        {Object.entries(rangeLabels).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </SelectField>
      {rangeKind === "fixed" ? (
        <div className="row">
          <Field
            label="From"
            name="rangeStart"
            type="date"
            value={rangeStart}
            onChange={(event) => setRangeStart(event.target.value)}
            error={fieldError(error, "rangeStart")}
          />
          <Field
            label="To"
            name="rangeEnd"
            type="date"
            value={rangeEnd}
            onChange={(event) => setRangeEnd(event.target.value)}
            error={fieldError(error, "rangeEnd")}
          />
        </div>
      ) : null}
      <Field
        label="Recipients"
        name="recipients"
        hint="E-mail addresses, separated by commas"
        value={recipients}
        onChange={(event) => setRecipients(event.target.value)}
        error={recipientsError?.message}
      />
      <SelectField
        label="E-mail it"
        name="scheduleKind"
        value={scheduleKind}
        onChange={(event) => setScheduleKind(event.target.value as "none" | "weekly" | "monthly")}
      >
        <option value="none">Never (open it here or share a link)</option>
        <option value="weekly">Every week</option>
        <option value="monthly">Every month</option>
      </SelectField>
      {scheduleKind !== "none" ? (
        <div className="row">
          {scheduleKind === "weekly" ? (
            <SelectField
              label="On"
              name="scheduleWeekday"
              value={weekday}
              onChange={(event) => setWeekday(Number(event.target.value))}
            >
              {weekdays.map((name, index) => (
                <option key={name} value={index + 1}>
                  {name}
                </option>
              ))}
            </SelectField>
          ) : (
            <Field
              label="Day of the month"
              name="scheduleMonthDay"
              type="number"
              min={1}
              max={28}
              value={monthDay}
              onChange={(event) => setMonthDay(Number(event.target.value))}
              error={fieldError(error, "scheduleMonthDay")}
            />
          )}
          <Field
            label="Hour"
            name="scheduleHour"
            type="number"
            min={0}
            max={23}
            value={hour}
            onChange={(event) => setHour(Number(event.target.value))}
            error={fieldError(error, "scheduleHour")}
          />
          <Field
            label="Time zone"
            name="timeZone"
            value={timeZone}
            onChange={(event) => setTimeZone(event.target.value)}
            error={fieldError(error, "timeZone")}
          />
        </div>
      ) : null}
      <FormError
        error={error}
        fields={[
          "title",
          "rangeStart",
          "rangeEnd",
          "scheduleMonthDay",
          "scheduleHour",
          "timeZone",
          recipientsError?.field ?? "",
        ]}
      />
      <div className="row">
        <Button type="submit" busy={create.isPending}>
          Create report
        </Button>
        <Button type="button" variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

export function ReportsPage() {
  const { activeOrganization } = useSession();
  const canManage = can(activeOrganization!.role, "reports:manage");
  const [adding, setAdding] = useState(false);
  const reports = useQuery({ queryKey: ["reports"], queryFn: () => api("GET", "/api/reports") });
  const list = reports.data?.reports ?? [];
  return (
    <>
      <PageHeader
        title="Reports"
        description="Client reports: key figures, charts and top posts over a range, as a page, a PDF, a scheduled e-mail or a share link."
        actions={canManage && !adding ? <Button onClick={() => setAdding(true)}>New report</Button> : null}
      />
      <div className="stack">
        {adding ? (
          <Card title="New report">
            <NewReportForm onDone={() => setAdding(false)} />
          </Card>
        ) : null}
        <Card title="Reports">
          <FormError error={reports.error} />
          {reports.isPending ? (
            <p className="muted">Loading…</p>
          ) : list.length === 0 ? (
            <p className="muted empty">No reports yet.</p>
          ) : (
            <ul className="connections">
              {list.map((report) => (
                <li key={report.id} className="connection">
                  <div className="connection-main">
                    <div className="connection-text">
                      <Link to={`/reports/${report.id}`}>
                        <strong>{report.title}</strong>
                      </Link>
                      <span className="muted small">
                        {report.rangeKind === "fixed"
                          ? `${report.rangeStart} to ${report.rangeEnd}`
                          : rangeLabels[report.rangeKind]}
                        {report.scheduleKind === "none"
                          ? ""
                          : ` · e-mailed ${report.scheduleKind} to ${report.recipients.length}`}
                      </span>
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
