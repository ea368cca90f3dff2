import { randomUUID } from "node:crypto";
import { and, eq, gte, inArray, lt, ne } from "drizzle-orm";
import { DateTime } from "luxon";
import { z } from "zod";
import { audited, type AuditEntry } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { connections, postingSlots, posts, postTargets, type WeeklySlot } from "../db/schema.js";
import { invalidInput, notFound } from "../errors.js";

/** More posting times a week than any account is worth; enough for several a day, every day. */
export const MAX_SLOTS_PER_ACCOUNT = 50;
/** How far ahead the queue looks for a free slot: a year, within the two years a post may be scheduled. */
const QUEUE_HORIZON_DAYS = 366;
/** A post due within a slot's minute holds the slot: it was scheduled for that time by hand. */
const SLOT_MS = 60_000;

/**
 * A zone the runtime's time zone database knows by its IANA name (Europe/Paris, UTC). Offsets
 * such as "+01:00" are refused: they do not change with summer time, which is what a zone is for.
 */
export function isKnownTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export const slotScheduleSchema = z.object({
  timeZone: z
    .string()
    .max(100)
    .refine(isKnownTimeZone, "must be an IANA time zone, such as Europe/Paris")
    .default("UTC")
    .describe("An IANA time zone; UTC when left out"),
  slots: z
    .array(
      z.object({
        weekday: z
          .number()
          .int()
          .min(1, "must be an ISO weekday, 1 (Monday) to 7 (Sunday)")
          .max(7, "must be an ISO weekday, 1 (Monday) to 7 (Sunday)"),
        time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time of day as HH:MM, such as 09:00"),
      }),
    )
    .max(MAX_SLOTS_PER_ACCOUNT, `at most ${MAX_SLOTS_PER_ACCOUNT} posting slots a week`)
    .superRefine((slots, issues) => {
      const seen = new Set<string>();
      for (const [index, slot] of slots.entries()) {
        const key = `${slot.weekday} ${slot.time}`;
        if (seen.has(key))
          issues.addIssue({
            code: "custom",
            path: [index],
            message: `${weekdayNames[slot.weekday - 1]} ${slot.time} is listed twice`,
          });
        seen.add(key);
      }
    }),
});

export type SlotSchedule = z.infer<typeof slotScheduleSchema>;

/** In week order, Monday morning first, so a list shows them as a week reads. */
const inWeekOrder = (slots: WeeklySlot[]) =>
  [...slots].sort((a, b) => a.weekday - b.weekday || a.time.localeCompare(b.time));

/** An account of the organization, or not found: another organization's id is no different from an unknown one. */
async function accountOf(context: AppContext, organizationId: string, connectionId: string) {
  const [account] = await context.db
    .select({ id: connections.id, name: connections.name })
    .from(connections)
    .where(and(eq(connections.organizationId, organizationId), eq(connections.id, connectionId)));
  if (!account) throw notFound("That account");
  return account;
}

/** The account's weekly slots; none, in UTC, until someone sets them. */
export async function scheduleOf(
  context: AppContext,
  organizationId: string,
  connectionId: string,
): Promise<SlotSchedule & { updatedAt: Date | null }> {
  await accountOf(context, organizationId, connectionId);
  const [row] = await context.db
    .select()
    .from(postingSlots)
    .where(and(eq(postingSlots.organizationId, organizationId), eq(postingSlots.connectionId, connectionId)));
  return row
    ? { timeZone: row.timeZone, slots: inWeekOrder(row.slots), updatedAt: row.updatedAt }
    : { timeZone: "UTC", slots: [], updatedAt: null };
}

/** Replaces the account's weekly slots, audited as a change of the account. */
export async function saveSchedule(
  context: AppContext,
  options: {
    organizationId: string;
    connectionId: string;
    schedule: SlotSchedule;
    origin: Pick<AuditEntry, "actor" | "ip" | "userAgent">;
  },
): Promise<void> {
  const { organizationId, connectionId, schedule, origin } = options;
  await accountOf(context, organizationId, connectionId);
  const values = {
    timeZone: schedule.timeZone,
    slots: inWeekOrder(schedule.slots),
    updatedByUserId: origin.actor?.userId ?? null,
    updatedAt: new Date(context.clock.now()),
  };
  await audited(
    context.db,
    (tx) =>
      tx
        .insert(postingSlots)
        .values({ id: randomUUID(), organizationId, connectionId, ...values })
        .onConflictDoUpdate({ target: postingSlots.connectionId, set: values }),
    {
      action: "connection.slots_changed",
      organizationId,
      ...origin,
      target: { type: "connection", id: connectionId },
      details: { timeZone: values.timeZone, slots: values.slots.length },
    },
  );
}

/**
 * Every instant of the schedule in [from, until), in order: each slot's wall-clock time on each
 * matching day, converted in its zone by luxon, so a change to or from summer time moves the
 * instant and keeps the local time. A time the clocks skip (02:30 on a spring-forward night) is
 * taken one hour later, as luxon normalizes it.
 */
export function slotInstants(schedule: SlotSchedule, from: Date, until: Date): number[] {
  const instants: number[] = [];
  const last = DateTime.fromJSDate(until, { zone: schedule.timeZone }).endOf("day");
  for (
    let day = DateTime.fromJSDate(from, { zone: schedule.timeZone }).startOf("day");
    day <= last;
    day = day.plus({ days: 1 })
  ) {
    for (const slot of schedule.slots) {
      if (slot.weekday !== day.weekday) continue;
      const [hour, minute] = slot.time.split(":").map(Number);
      const at = DateTime.fromObject(
        { year: day.year, month: day.month, day: day.day, hour, minute },
        { zone: schedule.timeZone },
      ).toMillis();
      if (at >= from.getTime() && at < until.getTime()) instants.push(at);
    }
  }
  return [...new Set(instants)].sort((a, b) => a - b);
}

/** The slot "add to queue" took: when, and how it reads in the first chosen account's zone. */
export interface TakenSlot {
  scheduledAt: string;
  timeZone: string;
  /** The slot's wall-clock time in its zone, as ISO 8601 with its offset that day. */
  localTime: string;
}

/** A slot someone is about to take and has not committed yet (earlier rows of one import). */
export interface Reservation {
  connectionId: string;
  at: number;
}

/**
 * The next slot, after now, that is a posting time of every chosen account and that no
 * scheduled post of any of them holds yet. Two requests at the same moment may pick the same
 * slot; the second post is then simply due at the same time, which publishing allows.
 */
export async function nextFreeSlot(
  context: AppContext,
  options: { organizationId: string; connectionIds: string[]; reserved?: Reservation[] },
): Promise<TakenSlot> {
  const { organizationId, connectionIds } = options;
  const rows = await context.db
    .select({ connectionId: connections.id, name: connections.name, schedule: postingSlots })
    .from(connections)
    .leftJoin(postingSlots, eq(postingSlots.connectionId, connections.id))
    .where(and(eq(connections.organizationId, organizationId), inArray(connections.id, connectionIds)));
  const withoutSlots = rows.filter((row) => !row.schedule || row.schedule.slots.length === 0);
  if (withoutSlots.length > 0)
    throw invalidInput(
      "no_posting_slots",
      `${withoutSlots.map((row) => row.name).join(", ")} ${withoutSlots.length === 1 ? "has" : "have"} no posting slots: set them on the Social Media page, or pick a time.`,
      "queue",
    );
  // In the order the accounts were chosen: the answer reads in the first one's zone.
  const schedules = connectionIds.flatMap((id) =>
    rows.filter((row) => row.connectionId === id).map((row) => row.schedule!),
  );
  const from = new Date(context.clock.now() + 1);
  const until = new Date(from.getTime() + QUEUE_HORIZON_DAYS * 86_400_000);
  const [first, ...others] = schedules.map((schedule) => slotInstants(schedule, from, until));
  const otherSets = others.map((instants) => new Set(instants));
  const common = first!.filter((at) => otherSets.every((instants) => instants.has(at)));
  if (common.length === 0)
    throw invalidInput(
      "no_common_slot",
      "These accounts have no posting slot in common: queue them separately, or pick a time.",
      "queue",
    );
  const held = await context.db
    .select({ dueAt: postTargets.dueAt })
    .from(postTargets)
    .innerJoin(posts, eq(posts.id, postTargets.postId))
    .where(
      and(
        eq(postTargets.organizationId, organizationId),
        inArray(postTargets.connectionId, connectionIds),
        inArray(postTargets.state, ["queued", "publishing"]),
        // A draft's time is only a wish; a post awaiting approval keeps its slot for when it is approved.
        ne(posts.status, "draft"),
        gte(postTargets.dueAt, from),
        lt(postTargets.dueAt, until),
      ),
    );
  const heldTimes = [
    ...held.map((row) => row.dueAt.getTime()),
    ...(options.reserved ?? []).filter((item) => connectionIds.includes(item.connectionId)).map((item) => item.at),
  ];
  const free = common.find((at) => !heldTimes.some((time) => time >= at && time < at + SLOT_MS));
  if (free === undefined)
    throw invalidInput(
      "queue_full",
      `Every common posting slot of these accounts in the next ${QUEUE_HORIZON_DAYS} days is taken: add slots, or pick a time.`,
      "queue",
    );
  const zone = schedules[0]!.timeZone;
  return {
    scheduledAt: new Date(free).toISOString(),
    timeZone: zone,
    localTime: DateTime.fromMillis(free, { zone }).toISO({ suppressMilliseconds: true })!,
  };
}
