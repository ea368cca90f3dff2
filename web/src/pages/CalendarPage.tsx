import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type DragEvent, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api, ApiError, type Post } from "../api";
import { Button, Card, PageHeader } from "../components/ui";
import { NoAccess, isForbidden } from "../components/NoAccess";
import { useMayChange } from "../components/ownership";
import { timeInOwnZone, viewerZone } from "../time";

const DAY_MS = 86_400_000;

/** The instant a post stands at on the calendar: its scheduled time, else when it was written. */
export const postTime = (post: Post) => post.scheduledAt ?? post.createdAt;

/**
 * The first day of the week where the viewer lives (1 = Monday … 7 = Sunday), from the locale's
 * week data (Intl.Locale weekInfo); Monday where the browser does not say.
 */
function firstDayOfWeek(): number {
  const locale = new Intl.Locale(navigator.language) as Intl.Locale & {
    getWeekInfo?: () => { firstDay: number };
    weekInfo?: { firstDay: number };
  };
  return locale.getWeekInfo?.().firstDay ?? locale.weekInfo?.firstDay ?? 1;
}

function startOfWeek(date: Date, firstDay: number): Date {
  const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const weekday = start.getDay() === 0 ? 7 : start.getDay();
  start.setDate(start.getDate() - ((weekday - firstDay + 7) % 7));
  return start;
}

const addDays = (date: Date, days: number) => new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
const sameDay = (a: Date, b: Date) => a.toDateString() === b.toDateString();

/** The same wall-clock time on another day, in the viewer's zone. */
function onDay(instant: Date, day: Date): Date {
  return new Date(
    day.getFullYear(),
    day.getMonth(),
    day.getDate(),
    instant.getHours(),
    instant.getMinutes(),
    instant.getSeconds(),
  );
}

/** A `datetime-local` value for an instant, on the viewer's wall clock. */
function localInputValue(instant: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${instant.getFullYear()}-${pad(instant.getMonth() + 1)}-${pad(instant.getDate())}T${pad(instant.getHours())}:${pad(instant.getMinutes())}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

interface Move {
  post: Post;
  to: Date;
}

/**
 * Reschedules through the same PATCH as the API, and remembers each post's refusal so it is
 * shown at its entry. Nothing moves on screen until the server has agreed: the entry stays at
 * the time the post has, marked as moving, and the refreshed list places it.
 */
function useReschedule() {
  const queryClient = useQueryClient();
  const [refusals, setRefusals] = useState<Record<string, string>>({});
  const reschedule = useMutation({
    mutationFn: ({ post, to }: Move) =>
      api("PATCH", "/api/posts/{id}", { path: { id: post.id }, body: { scheduledAt: to.toISOString() } }),
    onMutate: ({ post }) => setRefusals(({ [post.id]: _, ...rest }) => rest),
    onError: (error, { post }) =>
      setRefusals((current) => ({
        ...current,
        [post.id]: error instanceof ApiError ? error.message : "The post could not be moved.",
      })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["posts"] }),
  });
  return {
    move: (post: Post, to: Date) => reschedule.mutate({ post, to }),
    movingId: reschedule.isPending ? reschedule.variables.post.id : undefined,
    refusals,
  };
}

type Reschedule = ReturnType<typeof useReschedule>;

function CalendarEntry({ post, reschedule, compact }: { post: Post; reschedule: Reschedule; compact: boolean }) {
  const [choosing, setChoosing] = useState(false);
  const mayChange = useMayChange();
  // Only a scheduled post the viewer may change moves; a draft's time is set in Compose.
  const movable = post.status === "scheduled" && mayChange(post);
  const at = new Date(postTime(post));
  const refusal = reschedule.refusals[post.id];
  const moving = reschedule.movingId === post.id;
  const summary = post.content.slice(0, compact ? 24 : 60) || "(media only)";
  const ownZoneTime = timeInOwnZone(at.toISOString(), post.timeZone);
  const submitMove = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get("moveTo");
    if (typeof value !== "string" || !value) return;
    setChoosing(false);
    reschedule.move(post, new Date(value));
  };
  return (
    <div
      className={`week-post status-post-${post.status}${moving ? " is-moving" : ""}${refusal ? " is-refused" : ""}`}
      data-testid="calendar-post"
      data-post-id={post.id}
      draggable={movable}
      onDragStart={(event) => {
        event.dataTransfer.setData("application/x-post-id", post.id);
        event.dataTransfer.effectAllowed = "move";
      }}
    >
      <Link
        to={`/compose?post=${post.id}`}
        className="week-post-link"
        draggable={false}
        // A narrow day cuts the entry short: the tooltip keeps the post's own zone and text whole.
        title={ownZoneTime ? `${ownZoneTime}: ${post.content}` : post.content}
        aria-label={`${timeFormat.format(at)}${ownZoneTime ? ` (${ownZoneTime})` : ""} ${summary}`}
      >
        <time dateTime={at.toISOString()} className="week-post-time">
          {timeFormat.format(at)}
        </time>{" "}
        {ownZoneTime ? <span className="week-post-zone">({ownZoneTime}) </span> : null}
        <span className="week-post-summary">{summary}</span>
      </Link>
      {moving ? <span className="week-post-note">Moving…</span> : null}
      {refusal ? (
        <span className="field-error" role="alert">
          {refusal}
        </span>
      ) : null}
      {movable ? (
        choosing ? (
          <form className="move-form" onSubmit={submitMove}>
            <label className="field-label" htmlFor={`move-${post.id}`}>
              Move to
            </label>
            <input id={`move-${post.id}`} name="moveTo" type="datetime-local" defaultValue={localInputValue(at)} />
            <div className="row">
              <Button type="submit" variant="secondary">
                Move
              </Button>
              <Button type="button" variant="ghost" onClick={() => setChoosing(false)}>
                Keep
              </Button>
            </div>
          </form>
        ) : (
          <button
            type="button"
            className="link-button week-post-move"
            onClick={() => setChoosing(true)}
            aria-label={`Move “${summary}” to another time`}
          >
            Move…
          </button>
        )
      ) : null}
    </div>
  );
}

function CalendarDay({
  day,
  posts,
  reschedule,
  className,
  compact,
  label,
}: {
  day: Date;
  posts: Post[];
  reschedule: Reschedule;
  className: string;
  compact: boolean;
  label: string;
}) {
  const [over, setOver] = useState(false);
  const today = sameDay(day, new Date());
  const items = posts
    .filter((post) => sameDay(new Date(postTime(post)), day))
    .sort((a, b) => postTime(a).localeCompare(postTime(b)));
  const accept = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes("application/x-post-id")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    setOver(true);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const post = posts.find((candidate) => candidate.id === event.dataTransfer.getData("application/x-post-id"));
    if (!post || sameDay(new Date(postTime(post)), day)) return;
    reschedule.move(post, onDay(new Date(postTime(post)), day));
  };
  return (
    <div
      className={`${className}${today ? " is-today" : ""}${over ? " is-drop-target" : ""}`}
      data-testid="calendar-day"
      data-date={localInputValue(day).slice(0, 10)}
      aria-current={today ? "date" : undefined}
      aria-label={label}
      role="group"
      onDragOver={accept}
      onDragEnter={accept}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <span className="calendar-date">
        {compact ? day.getDate() : day.toLocaleDateString(undefined, { weekday: "short", day: "numeric" })}
        {today ? <span className="today-badge">Today</span> : null}
      </span>
      {items.map((post) => (
        <CalendarEntry key={post.id} post={post} reschedule={reschedule} compact={compact} />
      ))}
    </div>
  );
}

/** The weekday names in the viewer's language, starting on the locale's first day. */
function WeekdayHeaders({ weekStart }: { weekStart: Date }) {
  return (
    <div className="calendar-weekdays" aria-hidden>
      {Array.from({ length: 7 }, (_, index) => (
        <span key={index}>{addDays(weekStart, index).toLocaleDateString(undefined, { weekday: "short" })}</span>
      ))}
    </div>
  );
}

export type CalendarView = "week" | "month";

/** Week and month views of the posts, in the viewer's zone, where scheduled posts move by drag or by "Move…". */
export function Calendar({ posts, view }: { posts: Post[]; view: CalendarView }) {
  const firstDay = firstDayOfWeek();
  const [anchor, setAnchor] = useState(() => new Date());
  const reschedule = useReschedule();
  const weekStart = startOfWeek(anchor, firstDay);
  const monthStart = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
  const gridStart = view === "week" ? weekStart : startOfWeek(monthStart, firstDay);
  const length = view === "week" ? 7 : Math.ceil(((monthStart.getTime() - gridStart.getTime()) / DAY_MS + 31) / 7) * 7;
  const days = Array.from({ length }, (_, index) => addDays(gridStart, index));
  const shift = (direction: number) =>
    setAnchor(
      view === "week"
        ? addDays(anchor, 7 * direction)
        : new Date(anchor.getFullYear(), anchor.getMonth() + direction, 1),
    );
  const title =
    view === "week"
      ? `Week of ${weekStart.toLocaleDateString(undefined, { dateStyle: "medium" })}`
      : monthStart.toLocaleDateString(undefined, { month: "long", year: "numeric" });
  const dayLabel = (day: Date) => day.toLocaleDateString(undefined, { dateStyle: "full" });
  return (
    <Card
      title={title}
      actions={
        <div className="row">
          <Button variant="secondary" onClick={() => shift(-1)} aria-label={`Previous ${view}`}>
            ←
          </Button>
          <Button variant="secondary" onClick={() => setAnchor(new Date())}>
            Today
          </Button>
          <Button variant="secondary" onClick={() => shift(1)} aria-label={`Next ${view}`}>
            →
          </Button>
        </div>
      }
    >
      <p className="muted small">
        Times are in your time zone, {viewerZone}. Drag a scheduled post to another day, or use “Move…”.
      </p>
      <div className={view === "week" ? "calendar calendar-week" : "calendar calendar-month"}>
        {/* A week's days carry their own names; a month's grid has them once above. */}
        {view === "month" ? <WeekdayHeaders weekStart={gridStart} /> : null}
        <div className={view === "week" ? "week" : "month"}>
          {days.map((day) => (
            <CalendarDay
              key={day.toISOString()}
              day={day}
              posts={posts}
              reschedule={reschedule}
              compact={view === "month"}
              label={dayLabel(day)}
              className={
                view === "week"
                  ? "week-day"
                  : day.getMonth() === monthStart.getMonth()
                    ? "month-day"
                    : "month-day month-other"
              }
            />
          ))}
        </div>
      </div>
    </Card>
  );
}

export function CalendarPage() {
  const navigate = useNavigate();
  const [view, setView] = useState<CalendarView>("week");
  const posts = useQuery({
    queryKey: ["posts"],
    queryFn: () => api("GET", "/api/posts", { query: { limit: 200 } }),
  });
  return (
    <>
      <PageHeader
        title="Calendar"
        description="What goes out when, and a drag to change it."
        actions={
          <div className="row" role="group" aria-label="Calendar view">
            <Button
              variant={view === "week" ? "primary" : "secondary"}
              onClick={() => setView("week")}
              aria-pressed={view === "week"}
            >
              Week
            </Button>
            <Button
              variant={view === "month" ? "primary" : "secondary"}
              onClick={() => setView("month")}
              aria-pressed={view === "month"}
            >
              Month
            </Button>
            <Button onClick={() => navigate("/compose")}>New post</Button>
          </div>
        }
      />
      {isForbidden(posts.error) ? (
        <NoAccess what="the posts of this organization" />
      ) : (
        <Calendar posts={posts.data?.posts ?? []} view={view} />
      )}
    </>
  );
}
