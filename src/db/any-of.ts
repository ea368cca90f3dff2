import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/**
 * `column = any($1::type[])`: a list of values as one array parameter. Drizzle's `inArray` makes a
 * parameter of each value, and building the query walks each one: a page of 200 posts and their
 * 400 accounts spent a fifth of its time there.
 */
export function anyOf(column: PgColumn, values: readonly unknown[]): SQL {
  return sql`${column} = any(${sql.param(values)}::${sql.raw(column.getSQLType())}[])`;
}
