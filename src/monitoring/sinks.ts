import type { EventSink } from "./events.js";

/** Every sink events are handed to, in order; each is given every event once. */
export const eventSinks: EventSink[] = [];
