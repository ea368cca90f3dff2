import { Api, resolveHosts } from "../../src/platforms/http.js";
import type { PlatformDefinition } from "../../src/platforms/platform.js";
import type { MetricReading, MetricUnavailable } from "../../src/platforms/analytics.js";
import { advance, json, type RunningSandbox } from "../sandbox/support.js";

const HOUR = 3_600_000;

/** The product's client for one platform, against the sandbox, on the sandbox's clock. */
export function platformApi(sandbox: RunningSandbox, definition: PlatformDefinition, prefix: string, token?: string) {
  return new Api({
    platform: definition.id,
    hosts: resolveHosts(definition.realHosts, { baseUrl: new URL(`${sandbox.base(prefix)}/`) }),
    classify: definition.classify,
    timeoutMs: 10_000,
    token,
    clock: sandbox.sandbox.context.clock,
  });
}

export async function sandboxNow(sandbox: RunningSandbox): Promise<number> {
  return Date.parse((await json(await fetch(new URL("/_sandbox/clock", sandbox.url)))).now);
}

/**
 * Moves the sandbox's clock at least `hours` ahead, to half past an hour: the sandbox's counts
 * stand still within an hour, so a test has half an hour of real time to read exact numbers.
 * Answers the start of that hour, the time the counts are measured at.
 */
export async function toHalfPast(sandbox: RunningSandbox, hours = 0): Promise<number> {
  const now = await sandboxNow(sandbox);
  const target = Math.floor((now + hours * HOUR) / HOUR) * HOUR + HOUR + HOUR / 2;
  await advance(sandbox, Math.ceil((target - now) / 1000));
  return target - HOUR / 2;
}

/** When the sandbox says an item was published. */
export async function publishedAt(sandbox: RunningSandbox, platform: string, id: string): Promise<number> {
  const items = (await json(await fetch(new URL(`/_sandbox/published?platform=${platform}`, sandbox.url)))).items as {
    id: string;
    createdAt: number;
  }[];
  const item = items.find((candidate) => candidate.id === id);
  if (!item) throw new Error(`${platform} has no published ${id}`);
  return item.createdAt;
}

/** Readings as `metric → value`, and the unavailable ones as `metric → reason`, for exact comparison. */
export const values = (readings: readonly MetricReading[]) =>
  Object.fromEntries(readings.map((reading) => [reading.metric, reading.value]));
export const reasons = (unavailable: readonly MetricUnavailable[]) =>
  Object.fromEntries(unavailable.map((item) => [item.metric, item.reason]));
