import { z } from "zod";
import { reportRangeKinds, reportScheduleKinds, reportSendingStates } from "../db/schema.js";
import { day, engagementRateView } from "../analytics/schemas.js";
import { platformIds } from "../platforms/profiles.js";
import { isKnownZone } from "./periods.js";

/** The longest a share link lives. */
export const MAX_SHARE_DAYS = 90;
const MAX_RECIPIENTS = 50;
const MAX_RANGE_DAYS = 731;
const DAY_MS = 86_400_000;

const rangeProblem = (start: string, end: string) => {
  const span = (Date.parse(end) - Date.parse(start)) / DAY_MS;
  if (span < 0) return { path: "rangeStart", message: "rangeStart must not be after rangeEnd" };
  if (span + 1 > MAX_RANGE_DAYS)
    return { path: "rangeEnd", message: `the range must be at most 2 years (${MAX_RANGE_DAYS} days)` };
  return undefined;
};

const definitionFields = {
  title: z.string().trim().min(1, "title must not be empty").max(200),
  campaignId: z.uuid("must be a campaign id").nullable(),
  rangeKind: z.enum(reportRangeKinds, { message: `must be one of ${reportRangeKinds.join(", ")}` }),
  rangeStart: day("rangeStart").nullable(),
  rangeEnd: day("rangeEnd").nullable(),
  recipients: z
    .array(z.email("must be e-mail addresses").max(320))
    .max(MAX_RECIPIENTS)
    .transform((addresses) => [...new Set(addresses.map((address) => address.toLowerCase()))]),
  scheduleKind: z.enum(reportScheduleKinds, { message: `must be one of ${reportScheduleKinds.join(", ")}` }),
  scheduleWeekday: z.number().int().min(1).max(7).nullable(),
  scheduleMonthDay: z.number().int().min(1).max(28).nullable(),
  scheduleHour: z.number().int().min(0).max(23).nullable(),
  timeZone: z.string().max(64).refine(isKnownZone, "must be an IANA time zone such as Europe/Paris"),
};

export type ReportDefinition = {
  [K in keyof typeof definitionFields]: z.infer<(typeof definitionFields)[K]>;
};

/** What a definition needs beyond each field's own shape: a fixed range's days, a schedule's day, and where mail goes. */
export function definitionProblems(definition: ReportDefinition): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (definition.rangeKind === "fixed") {
    if (!definition.rangeStart) problems.push({ path: "rangeStart", message: "a fixed range needs rangeStart" });
    if (!definition.rangeEnd) problems.push({ path: "rangeEnd", message: "a fixed range needs rangeEnd" });
    if (definition.rangeStart && definition.rangeEnd) {
      const problem = rangeProblem(definition.rangeStart, definition.rangeEnd);
      if (problem) problems.push(problem);
    }
  }
  if (definition.scheduleKind === "weekly" && definition.scheduleWeekday === null)
    problems.push({ path: "scheduleWeekday", message: "a weekly schedule needs scheduleWeekday (1 = Monday … 7)" });
  if (definition.scheduleKind === "monthly" && definition.scheduleMonthDay === null)
    problems.push({ path: "scheduleMonthDay", message: "a monthly schedule needs scheduleMonthDay (1 to 28)" });
  if (definition.scheduleKind !== "none" && definition.scheduleHour === null)
    problems.push({ path: "scheduleHour", message: "a schedule needs scheduleHour (0 to 23)" });
  if (definition.scheduleKind !== "none" && definition.recipients.length === 0)
    problems.push({ path: "recipients", message: "a scheduled report needs at least one recipient" });
  return problems;
}

const withProblems = <T extends z.ZodType<ReportDefinition>>(schema: T) =>
  schema.superRefine((definition, issues) => {
    for (const problem of definitionProblems(definition))
      issues.addIssue({ code: "custom", path: [problem.path], message: problem.message });
  });

export const reportBody = withProblems(
  z.object({
    ...definitionFields,
    campaignId: definitionFields.campaignId.default(null),
    rangeStart: definitionFields.rangeStart.default(null),
    rangeEnd: definitionFields.rangeEnd.default(null),
    recipients: definitionFields.recipients.default([]),
    scheduleKind: definitionFields.scheduleKind.default("none"),
    scheduleWeekday: definitionFields.scheduleWeekday.default(null),
    scheduleMonthDay: definitionFields.scheduleMonthDay.default(null),
    scheduleHour: definitionFields.scheduleHour.default(null),
    timeZone: definitionFields.timeZone.default("UTC"),
  }),
);

/** A change: what is left out is kept; the whole is checked again once merged. */
export const reportChanges = z.object(definitionFields).partial();

export const reportParams = z.object({ reportId: z.uuid("must be a report id") });
export const shareLinkParams = reportParams.extend({ linkId: z.uuid("must be a share link id") });

export const rangeQuery = z
  .object({ start: day("start").optional(), end: day("end").optional() })
  .superRefine((query, issues) => {
    if ((query.start === undefined) !== (query.end === undefined))
      issues.addIssue({
        code: "custom",
        path: [query.start === undefined ? "start" : "end"],
        message: "start and end go together",
      });
    if (query.start && query.end) {
      const problem = rangeProblem(query.start, query.end);
      if (problem)
        issues.addIssue({
          code: "custom",
          path: [problem.path === "rangeStart" ? "start" : "end"],
          message: problem.message,
        });
    }
  });

export const sendingView = z.object({
  id: z.uuid(),
  periodKey: z.string(),
  range: z.object({ start: z.string(), end: z.string() }),
  state: z.enum(reportSendingStates),
  attempts: z.number(),
  claimedAt: z.date(),
  sentAt: z.date().nullable(),
  error: z.string().nullable(),
});

export const shareLinkView = z.object({
  id: z.uuid(),
  createdAt: z.date(),
  expiresAt: z.date(),
  revokedAt: z.date().nullable(),
  /** active, expired or revoked, by the app's clock. */
  status: z.enum(["active", "expired", "revoked"]),
});

export const reportView = z.object({
  id: z.uuid(),
  title: z.string(),
  campaignId: z.uuid().nullable(),
  rangeKind: z.enum(reportRangeKinds),
  rangeStart: z.string().nullable(),
  rangeEnd: z.string().nullable(),
  recipients: z.array(z.string()),
  scheduleKind: z.enum(reportScheduleKinds),
  scheduleWeekday: z.number().nullable(),
  scheduleMonthDay: z.number().nullable(),
  scheduleHour: z.number().nullable(),
  timeZone: z.string(),
  createdByUserId: z.uuid().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const reportDetailView = z.object({
  report: reportView,
  sendings: z.array(sendingView),
  shareLinks: z.array(shareLinkView),
});

export const shareLinkBody = z.object({
  expiresInDays: z
    .number()
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day")
    .max(MAX_SHARE_DAYS, `must be at most ${MAX_SHARE_DAYS} days`),
});

const nullableNumber = z.number().nullable();

export const kpiNames = [
  "reach",
  "impressions",
  "engagements",
  "engagementRate",
  "clicks",
  "conversions",
  "roi",
] as const;

export const kpiView = z.object({
  name: z.enum(kpiNames),
  label: z.string(),
  value: nullableNumber,
  previous: nullableNumber,
  /** (value − previous) ÷ previous; null where either is missing or the previous is 0. */
  change: nullableNumber,
  /** Why there is no value, said as such: never shown as 0. */
  unavailable: z.string().nullable(),
  /** What the figure rests on, where it needs saying (the engagement rate's basis, where clicks come from). */
  note: z.string().nullable(),
});

export const reportContentView = z.object({
  title: z.string(),
  organization: z.object({ name: z.string(), logo: z.boolean() }),
  scope: z.object({ kind: z.enum(["organization", "campaign"]), campaignId: z.uuid().nullable() }),
  range: z.object({ start: z.string(), end: z.string() }),
  previousRange: z.object({ start: z.string(), end: z.string() }),
  generatedAt: z.date(),
  kpis: z.array(kpiView),
  engagementRate: engagementRateView,
  /** Impressions per day, summed over the accounts that report them; null on a day none was read. */
  daily: z.array(z.object({ day: z.string(), impressions: nullableNumber })),
  /** Why there is no daily chart, where the scope has none. */
  dailyNote: z.string().nullable(),
  platforms: z.array(
    z.object({
      platform: z.enum(platformIds),
      name: z.string(),
      accounts: z.number(),
      posts: z.number(),
      reach: nullableNumber,
      impressions: nullableNumber,
      engagements: nullableNumber,
      engagementRate: nullableNumber,
    }),
  ),
  topPosts: z.array(
    z.object({
      platform: z.enum(platformIds),
      platformName: z.string(),
      text: z.string(),
      url: z.string().nullable(),
      publishedAt: z.date(),
      impressions: nullableNumber,
      interactions: nullableNumber,
      engagementRate: nullableNumber,
    }),
  ),
  unavailable: z.array(z.object({ platform: z.string(), metric: z.string(), message: z.string() })),
});
export type ReportContent = z.infer<typeof reportContentView>;
