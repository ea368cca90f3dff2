import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The id that ties what one piece of work did together: a request's id, or a publish job's. Every
 * log line written while it runs carries it (the logger's mixin), as do the platform calls it
 * makes and the events, alerts and error records it leads to, so an operator can go from an alert
 * to the log lines of the calls behind it.
 */
const storage = new AsyncLocalStorage<string>();

export function withCorrelation<T>(correlationId: string, work: () => T): T {
  return storage.run(correlationId, work);
}

function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

/** The correlation id as fields to spread into a record or an event: none outside correlated work. */
export function correlationFields(): { correlationId?: string } {
  const correlationId = currentCorrelationId();
  return correlationId ? { correlationId } : {};
}
