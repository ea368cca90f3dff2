import { createHash, randomUUID } from "node:crypto";
import { and, desc, eq, gte } from "drizzle-orm";
import { CsvError, parse } from "csv-parse/sync";
import { DateTime } from "luxon";
import type { AuditEntry } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { connections, postImports } from "../db/schema.js";
import { conflict, DomainError, invalidInput } from "../errors.js";
import { fetchMedia, mediaUrlProblem } from "./media-fetch.js";
import { checkedPost, insertPost, type CheckedPost, type ComposeBody } from "./routes/create.js";
import { chosenConnections } from "./routes/drafts.js";
import { postSchemas } from "./routes/schemas.js";
import { isKnownTimeZone, nextFreeSlot, type Reservation } from "./slots.js";

export const importColumns = ["text", "link", "media_url", "accounts", "time", "zone"] as const;
type Column = (typeof importColumns)[number];

/** More rows than a month of posts for many accounts; a bigger plan is several files. */
export const MAX_IMPORT_ROWS = 500;
/** A file of MAX_IMPORT_ROWS long posts fits well within it. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/** How long a file, once imported, is recognised if it comes again. */
const REIMPORT_WINDOW_MS = 24 * 3_600_000;
/** One row's accounts are separated by semicolons: a name may hold commas or spaces. */
const ACCOUNT_SEPARATOR = ";";

export type ImportMode = "all_or_nothing" | "partial";

export interface RowProblem {
  field: Column;
  message: string;
}

export interface RowReport {
  /** The row's line in the file, the header being line 1. */
  line: number;
  text: string;
  accounts: { id: string; name: string }[];
  scheduledAt: string | null;
  /** Set when the row took a posting slot: that slot's local time, with its offset. */
  slotLocalTime: string | null;
  status: "valid" | "refused" | "scheduled" | "not_scheduled";
  postId: string | null;
  problems: RowProblem[];
}

export interface ImportReport {
  importId: string | null;
  mode: ImportMode;
  dryRun: boolean;
  outcome: "preview" | "scheduled" | "partial" | "refused";
  /** One sentence a person reads first: what was scheduled and what was not. */
  summary: string;
  rowCount: number;
  scheduledCount: number;
  refusedCount: number;
  rows: RowReport[];
}

interface ParsedRow {
  line: number;
  values: Record<Column, string>;
}

const fileProblem = (message: string) => invalidInput("invalid_csv", message, "file");

/** The file's rows by their header's names; a malformed file or an unknown column is refused as a whole. */
export function parseImportFile(bytes: Buffer): ParsedRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(bytes, {
      bom: true,
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
      max_record_size: 100_000,
    });
  } catch (error) {
    if (error instanceof CsvError) throw fileProblem(`The file is not valid CSV: ${error.message}`);
    throw error;
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  const unknown = header.filter((name) => !(importColumns as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw fileProblem(`Unknown column ${unknown.join(", ")}: the columns are ${importColumns.join(", ")}.`);
  if (records.length === 0) throw fileProblem(`The file has no rows: the columns are ${importColumns.join(", ")}.`);
  if (!header.includes("text") || !header.includes("accounts"))
    throw fileProblem("The file needs at least the columns text and accounts.");
  if (records.length > MAX_IMPORT_ROWS)
    throw fileProblem(`The file has ${records.length} rows; import at most ${MAX_IMPORT_ROWS} at a time.`);
  return records.map(({ record, info }) => ({
    line: info.lines,
    values: Object.fromEntries(importColumns.map((column) => [column, record[column] ?? ""])) as Record<Column, string>,
  }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Account = typeof connections.$inferSelect;

/** An account as a row names it: its connection id, its @handle, or its name, which must be unique. */
function accountNamed(accounts: Account[], written: string): Account | string {
  if (UUID.test(written))
    return accounts.find((account) => account.id === written.toLowerCase()) ?? `No account has the id ${written}.`;
  const handle = written.startsWith("@") ? written.slice(1).toLowerCase() : undefined;
  const matches = accounts.filter((account) =>
    handle !== undefined
      ? account.username?.replace(/^@/, "").toLowerCase() === handle
      : account.name.toLowerCase() === written.toLowerCase(),
  );
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) return `No account is called ${written}.`;
  return `${matches.length} accounts are called ${written}: name it by its id or @handle.`;
}

/** A row's time: ISO 8601 with an offset, or "YYYY-MM-DD HH:MM" on the wall clock of its zone. */
function timeOf(time: string, zone: string): { at: string } | RowProblem {
  if (/[zZ]$|[+-]\d\d:?\d\d$/.test(time)) {
    const parsed = DateTime.fromISO(time, { setZone: true });
    return parsed.isValid
      ? { at: parsed.toUTC().toISO()! }
      : { field: "time", message: `${time} is not a date and time.` };
  }
  if (!zone)
    return {
      field: "zone",
      message: `${time} has no offset: give the row's time zone (such as Europe/Paris) in the zone column.`,
    };
  if (!isKnownTimeZone(zone))
    return { field: "zone", message: `${zone} is not a time zone: use an IANA name such as Europe/Paris.` };
  const local = DateTime.fromFormat(time.replace("T", " "), "yyyy-MM-dd HH:mm", { zone });
  if (!local.isValid) return { field: "time", message: `${time} is not a time as YYYY-MM-DD HH:MM or ISO 8601.` };
  // Luxon moves a wall-clock time the clocks skip to one that exists: say so instead of posting an hour off.
  if (local.toFormat("yyyy-MM-dd HH:mm") !== time.replace("T", " "))
    return { field: "time", message: `${time} does not exist in ${zone}: the clocks skip it that night.` };
  return { at: local.toUTC().toISO()! };
}

/** Where a refusal of the compose body points, as the file's column. */
function columnOf(field: string | undefined): Column {
  if (!field) return "text";
  if ((importColumns as readonly string[]).includes(field)) return field as Column;
  if (field.startsWith("connectionIds")) return "accounts";
  if (field.startsWith("scheduledAt") || field === "queue") return "time";
  if (field.startsWith("mediaIds") || field === "file") return "media_url";
  if (field.startsWith("link")) return "link";
  return "text";
}

interface CheckedRow {
  report: RowReport;
  body?: ComposeBody;
  chosen?: Account[];
  checked?: CheckedPost;
}

export interface ImportRequest {
  organizationId: string;
  userId: string;
  origin: Pick<AuditEntry, "actor" | "ip" | "userAgent">;
  file: Buffer;
  fileName: string | null;
  mode: ImportMode;
  /** Rows without a time take the next free posting slots of their accounts. */
  queue: boolean;
  /** Check and report only: nothing is fetched or scheduled. */
  dryRun: boolean;
}

/**
 * Each row through the checks `POST /api/posts` makes (its schema, its accounts, its platforms'
 * rules, its time), with the row's problems named by column.
 */
async function checkRow(
  context: AppContext,
  request: ImportRequest,
  row: ParsedRow,
  helpers: { accounts: Account[]; compose: ReturnType<typeof postSchemas>["compose"]; reserved: Reservation[] },
): Promise<CheckedRow> {
  const { values } = row;
  const report: RowReport = {
    line: row.line,
    text: values.text,
    accounts: [],
    scheduledAt: null,
    slotLocalTime: null,
    status: "refused",
    postId: null,
    problems: [],
  };
  const refuse = (problem: RowProblem): CheckedRow => {
    report.problems.push(problem);
    return { report };
  };
  const written = values.accounts
    .split(ACCOUNT_SEPARATOR)
    .map((name) => name.trim())
    .filter(Boolean);
  if (written.length === 0) return refuse({ field: "accounts", message: "Name at least one account." });
  const named = written.map((name) => accountNamed(helpers.accounts, name));
  const unknown = named.filter((item): item is string => typeof item === "string");
  if (unknown.length > 0) return refuse({ field: "accounts", message: unknown.join(" ") });
  const chosenIds = [...new Set((named as Account[]).map((account) => account.id))];
  report.accounts = chosenIds.map((id) => ({ id, name: helpers.accounts.find((account) => account.id === id)!.name }));

  let scheduledAt: string | undefined;
  if (values.time) {
    const time = timeOf(values.time, values.zone);
    if ("field" in time) return refuse(time);
    scheduledAt = time.at;
  } else if (!request.queue) {
    return refuse({
      field: "time",
      message: "Give a time, or import with the queue to take the accounts' next posting slots.",
    });
  }
  if (values.media_url && request.dryRun) {
    const problem = await mediaUrlProblem(context, values.media_url);
    if (problem) return refuse({ field: "media_url", message: problem });
  }
  const parsed = helpers.compose.safeParse({
    content: values.text,
    link: values.link || undefined,
    connectionIds: chosenIds,
    scheduledAt,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      report.problems.push({ field: columnOf(String(issue.path[0] ?? "")), message: issue.message });
    return { report };
  }
  try {
    const chosen = await chosenConnections(context, request.organizationId, chosenIds);
    if (!scheduledAt) {
      const slot = await nextFreeSlot(context, {
        organizationId: request.organizationId,
        connectionIds: chosenIds,
        reserved: helpers.reserved,
      });
      scheduledAt = slot.scheduledAt;
      report.slotLocalTime = slot.localTime;
    }
    report.scheduledAt = scheduledAt;
    const mediaIds =
      values.media_url && !request.dryRun
        ? [
            (
              await fetchMedia(context, {
                organizationId: request.organizationId,
                userId: request.userId,
                url: values.media_url,
              }).catch((error: unknown) => {
                throw error instanceof DomainError
                  ? new DomainError(error.kind, error.code, error.message, "media_url")
                  : error;
              })
            ).id,
          ]
        : [];
    const body = { ...parsed.data, scheduledAt, mediaIds };
    const checked = await checkedPost(context, request.organizationId, body, chosen);
    for (const id of chosenIds) helpers.reserved.push({ connectionId: id, at: checked.dueAt.getTime() });
    report.status = "valid";
    return { report, body, chosen, checked };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return refuse({ field: columnOf(error.field), message: error.message });
  }
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** An import of the same file in the last day, which a re-upload must not repeat. */
async function earlierImportOf(context: AppContext, organizationId: string, fileHash: string) {
  const [earlier] = await context.db
    .select()
    .from(postImports)
    .where(
      and(
        eq(postImports.organizationId, organizationId),
        eq(postImports.fileSha256, fileHash),
        gte(postImports.createdAt, new Date(context.clock.now() - REIMPORT_WINDOW_MS)),
      ),
    )
    .orderBy(desc(postImports.createdAt))
    .limit(1);
  return earlier;
}

function summaryOf(report: Omit<ImportReport, "summary">): string {
  const refused = `${report.refusedCount} of ${report.rowCount} row${report.rowCount === 1 ? "" : "s"} refused`;
  switch (report.outcome) {
    case "preview":
      return report.refusedCount === 0
        ? `All ${report.rowCount} rows are valid; nothing is scheduled yet.`
        : `${refused}; nothing is scheduled yet.`;
    case "refused":
      return `${refused}: nothing was scheduled. Fix them and import again, or schedule the valid rows only.`;
    case "partial":
      return `Partial import: ${report.scheduledCount} of ${report.rowCount} rows scheduled; ${report.refusedCount} refused and not scheduled.`;
    case "scheduled":
      return `All ${report.rowCount} rows scheduled.`;
  }
}

/**
 * Checks every row, then schedules: every row or none (all_or_nothing), or the valid ones with
 * each refused row reported (partial). A file already imported in the last day is refused
 * with the earlier import named, so a second upload does not schedule everything twice.
 */
export async function importPosts(context: AppContext, request: ImportRequest): Promise<ImportReport> {
  const rows = parseImportFile(request.file);
  const fileHash = sha256(request.file);
  const earlier = await earlierImportOf(context, request.organizationId, fileHash);
  if (earlier && !request.dryRun)
    throw conflict(
      "already_imported",
      `This file was already imported on ${earlier.createdAt.toISOString()} (import ${earlier.id}, ${earlier.postIds.length} posts scheduled): change it to import again.`,
      "file",
    );
  const accounts = await context.db
    .select()
    .from(connections)
    .where(eq(connections.organizationId, request.organizationId));
  const { compose } = postSchemas({ publicLinksOnly: context.config.isProduction, clock: context.clock });
  const reserved: Reservation[] = [];
  const checked: CheckedRow[] = [];
  for (const row of rows) checked.push(await checkRow(context, request, row, { accounts, compose, reserved }));
  const refusedCount = checked.filter((row) => row.report.status === "refused").length;
  const finish = (outcome: ImportReport["outcome"], importId: string | null): ImportReport => {
    const partial = {
      importId,
      mode: request.mode,
      dryRun: request.dryRun,
      outcome,
      rowCount: rows.length,
      scheduledCount: checked.filter((row) => row.report.status === "scheduled").length,
      refusedCount,
      rows: checked.map((row) => row.report),
    };
    return { ...partial, summary: summaryOf(partial) };
  };
  if (request.dryRun) return finish("preview", null);
  if (refusedCount > 0 && request.mode === "all_or_nothing") {
    for (const row of checked) if (row.report.status === "valid") row.report.status = "not_scheduled";
    return finish("refused", null);
  }
  const importId = randomUUID();
  for (const row of checked) {
    if (!row.body || !row.chosen || !row.checked) continue;
    row.report.postId = await insertPost(context, {
      organizationId: request.organizationId,
      userId: request.userId,
      origin: request.origin,
      body: row.body,
      chosen: row.chosen,
      checked: row.checked,
    });
    row.report.status = "scheduled";
  }
  const postIds = checked.flatMap((row) => (row.report.postId ? [row.report.postId] : []));
  if (postIds.length > 0) {
    await context.db.insert(postImports).values({
      id: importId,
      organizationId: request.organizationId,
      fileSha256: fileHash,
      fileName: request.fileName,
      importedByUserId: request.userId,
      mode: request.mode,
      rowCount: rows.length,
      postIds,
    });
  }
  return finish(refusedCount > 0 ? "partial" : "scheduled", postIds.length > 0 ? importId : null);
}
