import type { EventSink } from "./events.js";
import { alertSink } from "./alerts/sink.js";
import { webhookSink } from "../webhooks/sink.js";

/** Every sink events are handed to, in order; each is given every event once. */
export const eventSinks: EventSink[] = [alertSink, webhookSink];
