/** The database's tables, by area; one module for drizzle and every query. */
export * from "./schema/identity.js";
export * from "./schema/connections.js";
export * from "./schema/posts.js";
export * from "./schema/monitoring.js";
export * from "./schema/api-keys.js";
export * from "./schema/analytics.js";
export * from "./schema/media.js";
export * from "./schema/queue.js";
export * from "./schema/reports.js";
export * from "./schema/campaigns.js";
export * from "./schema/links.js";
export * from "./schema/conversions.js";
