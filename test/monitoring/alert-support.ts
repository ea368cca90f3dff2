import assert from "node:assert/strict";
import type { HttpClient } from "../support/client.js";
import { waitFor } from "../support/process.js";

export interface StreamedAlert {
  at: number;
  alert: { id: string; rule: string; title: string; occurrences: number; resolvedAt: string | null };
}

/** Opens GET /api/alerts/stream as a browser's EventSource would, collecting each alert event as it arrives. */
export async function openAlertStream(client: HttpClient) {
  const controller = new AbortController();
  const response = await fetch(new URL("/api/alerts/stream", client.baseUrl), {
    headers: { accept: "text/event-stream", cookie: `msid=${client.cookie("msid")}` },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const events: StreamedAlert[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const reading = (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6))
            .join("\n");
          if (data) events.push({ at: Date.now(), alert: JSON.parse(data) });
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    events,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

export type AlertView = {
  id: string;
  rule: string;
  severity: string;
  title: string;
  message: string;
  subjectType: string | null;
  subjectId: string | null;
  occurrences: number;
  resolvedAt: string | null;
  read: boolean;
};

/** The organization's alerts as the caller sees them. */
export async function alertsOf(client: HttpClient, query = ""): Promise<AlertView[]> {
  const answer = await client.get(`/api/alerts${query}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.alerts;
}

/** Waits for an alert the caller can see that matches. */
export function alertAppears(
  client: HttpClient,
  matches: (alert: AlertView) => boolean,
  what: string,
  timeoutMs = 15_000,
) {
  return waitFor(async () => (await alertsOf(client)).find(matches), timeoutMs, what);
}
