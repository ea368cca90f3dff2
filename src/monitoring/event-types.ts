/**
 * What an organization may be told about, by webhook or alert: a post's end, a connection's
 * status, an alert. Written with the change that causes it (the audit entry's transaction), so an
 * event exists exactly when its change was committed.
 */
export const eventTypes = [
  "post.published",
  "post.failed",
  "post.unknown",
  "connection.status_changed",
  "alert.raised",
] as const;

export type EventType = (typeof eventTypes)[number];

export const isEventType = (name: string): name is EventType => (eventTypes as readonly string[]).includes(name);
