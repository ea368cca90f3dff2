/**
 * Requests sent at a steady rate whatever the answers do (an open loop, as wrk2 does), each
 * latency counted from the moment the request was due, so a stall is charged to every request
 * it delayed. autocannon's rate option does not measure this: each connection sends its second's
 * quota back to back at the start of the second and then waits
 * (https://github.com/mcollina/autocannon/issues/174), and its coordinated-omission correction
 * assumes a 1 ms interval whatever the rate (lib/run.js, `Math.ceil(1 / rate)`), adding a made-up
 * sample for every millisecond of a slow answer.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

export interface SteadyRateResult {
  sent: number;
  /** Requests not sent because a second's worth were already waiting: the server had fallen behind. */
  shed: number;
  /** Answers by status class ("2xx", "3xx", …); failed requests count as "error". */
  byClass: Record<string, number>;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

/** Latencies in milliseconds; the nearest-rank percentile. */
function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

export async function steadyRate(options: {
  urls: URL[];
  headers: Record<string, string>;
  rate: number;
  seconds: number;
}): Promise<SteadyRateResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(options.rate * options.seconds);
  const intervalMs = 1000 / options.rate;
  const latencies: number[] = [];
  const byClass: Record<string, number> = {};
  let sent = 0;
  let shed = 0;
  let settled = 0;
  const count = (key: string) => (byClass[key] = (byClass[key] ?? 0) + 1);
  const started = performance.now();
  const finished = new Promise<void>((resolve) => {
    const send = (dueAt: number, url: URL) => {
      const request = http.get(url, { agent, headers: options.headers }, (response) => {
        response.resume();
        response.on("end", () => {
          latencies.push(performance.now() - dueAt);
          count(`${String(response.statusCode)[0]}xx`);
          if (++settled === sent && sent + shed === total) resolve();
        });
      });
      request.on("error", () => {
        count("error");
        if (++settled === sent && sent + shed === total) resolve();
      });
    };
    // A server that has fallen behind would otherwise queue the whole phase and take minutes to drain it.
    const maxWaiting = Math.max(1, Math.round(options.rate));
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor((performance.now() - started) / intervalMs) + 1);
      for (let next = sent + shed; next < due; next += 1) {
        if (sent - settled >= maxWaiting) shed += 1;
        else {
          sent += 1;
          send(started + next * intervalMs, options.urls[next % options.urls.length]!);
        }
      }
      if (sent + shed < total) return;
      clearInterval(timer);
      if (settled === sent) resolve();
    }, 1);
  });
  await finished;
  const elapsedSeconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    sent,
    shed,
    byClass,
    perSecond: latencies.length / elapsedSeconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}
