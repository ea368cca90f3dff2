import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { connections } from "./connections.js";
import { createdAt, tenant, users } from "./identity.js";

/** One weekly posting time: ISO weekday (1 Monday … 7 Sunday) and a wall-clock time "HH:MM". */
export interface WeeklySlot {
  weekday: number;
  time: string;
}

/**
 * An account's weekly posting times, in the time zone they were set in: "add to queue" takes the
 * next of them that no scheduled post of the chosen accounts already holds. Wall-clock times in
 * a zone, not UTC instants, so 09:00 stays 09:00 across a change to or from summer time.
 */
export const postingSlots = pgTable(
  "posting_slots",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    /** An IANA zone (Europe/Paris). */
    timeZone: text("time_zone").notNull(),
    slots: jsonb("slots").$type<WeeklySlot[]>().notNull().default([]),
    updatedByUserId: uuid("updated_by_user_id").references(() => users.id, { onDelete: "set null" }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("posting_slots_connection_unique").on(table.connectionId),
    index("posting_slots_organization_idx").on(table.organizationId),
  ],
);

/**
 * A CSV file whose rows were scheduled, known by its content's hash: the same file uploaded
 * again within a day is recognised and refused with a pointer to this import, so a double
 * submit does not schedule every row twice.
 */
export const postImports = pgTable(
  "post_imports",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    /** sha256 of the file's bytes, hex. */
    fileSha256: text("file_sha256").notNull(),
    fileName: text("file_name"),
    importedByUserId: uuid("imported_by_user_id").references(() => users.id, { onDelete: "set null" }),
    mode: text("mode").$type<"all_or_nothing" | "partial">().notNull(),
    rowCount: integer("row_count").notNull(),
    postIds: uuid("post_ids").array().notNull().default([]),
    createdAt: createdAt(),
  },
  (table) => [index("post_imports_file_idx").on(table.organizationId, table.fileSha256, table.createdAt)],
);
