import { and, desc, eq, gte, isNotNull, sql, type SQL } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { platformCalls } from "../db/schema.js";
import type { StatusClass } from "../platforms/call-record.js";
import type { PlatformFailure } from "../platforms/failure.js";
import { platformIds, type PlatformId } from "../platforms/profiles.js";

type FailureKind = PlatformFailure["kind"];

/** The rolling windows the health views show, longest last. */
export const healthWindows = { "5m": 5 * 60_000, "1h": 3_600_000, "24h": 86_400_000 } as const;
export type HealthWindow = keyof typeof healthWindows;

export type ApiState = "operational" | "degraded" | "down";

/**
 * When a platform counts as down or degraded, over one window. Only failures that are the
 * platform's count: a rejected post (its content) or a refused token (one account's grant) says
 * nothing about whether the platform works.
 * - down: at least `minCallsForDown` calls, and at least `downShare` of them unanswered or
 *   answered 5xx (an outage: one or two failed calls are not one);
 * - degraded: at least `degradedShare` of the calls failed on the platform's side (5xx, no answer,
 *   transient, ambiguous or rate limited), or the 95th percentile latency is above
 *   PLATFORM_HEALTH_SLOW_P95_MS;
 * - operational otherwise, a window without calls included.
 */
export const stateThresholds = { minCallsForDown: 5, downShare: 0.5, degradedShare: 0.1 } as const;

const outageClasses: StatusClass[] = ["5xx", "network", "timeout"];
const platformSideKinds: FailureKind[] = ["transient", "ambiguous", "rate_limited"];

export interface WindowHealth {
  windowMs: number;
  calls: number;
  /** Share of calls that ended without a failure; null without calls. */
  successRate: number | null;
  errorRate: number | null;
  failuresByKind: Partial<Record<FailureKind, number>>;
  callsByStatusClass: Partial<Record<StatusClass, number>>;
  latencyMs: { p50: number; p95: number; p99: number } | null;
  lastError: { operation: string; failureKind: FailureKind | null; statusClass: StatusClass; at: Date } | null;
  state: ApiState;
}

function emptyWindow(windowMs: number): WindowHealth {
  return {
    windowMs,
    calls: 0,
    successRate: null,
    errorRate: null,
    failuresByKind: {},
    callsByStatusClass: {},
    latencyMs: null,
    lastError: null,
    state: "operational",
  };
}

/** What a window's state is decided on: its calls, those that failed on the platform's side, and its p95. */
export interface StateEvidence {
  calls: number;
  /** Unanswered (network, timeout) or answered 5xx. */
  outages: number;
  /** Outages, and calls the platform failed otherwise (transient, ambiguous, rate limited). */
  platformFailures: number;
  p95Ms?: number;
}

export function stateOf(evidence: StateEvidence, slowP95Ms: number): ApiState {
  const { calls } = evidence;
  if (calls === 0) return "operational";
  if (calls >= stateThresholds.minCallsForDown && evidence.outages / calls >= stateThresholds.downShare) return "down";
  if (evidence.platformFailures / calls >= stateThresholds.degradedShare) return "degraded";
  if (evidence.p95Ms !== undefined && evidence.p95Ms > slowP95Ms) return "degraded";
  return "operational";
}

/**
 * Platform API health over the last `windowMs` by the app's clock, from the recorded calls: per
 * platform (every platform, or the one asked), for one organization or, without one, every call
 * the installation made.
 */
export async function platformApiHealth(
  context: AppContext,
  options: { organizationId?: string; platform?: PlatformId; windowMs: number },
): Promise<Record<PlatformId, WindowHealth>> {
  const since = new Date(context.clock.now() - options.windowMs);
  const scope: SQL | undefined = and(
    gte(platformCalls.at, since),
    options.organizationId ? eq(platformCalls.organizationId, options.organizationId) : undefined,
    options.platform ? eq(platformCalls.platform, options.platform) : undefined,
  );
  const [groups, latencies, lastErrors] = await Promise.all([
    context.db
      .select({
        platform: platformCalls.platform,
        statusClass: platformCalls.statusClass,
        failureKind: platformCalls.failureKind,
        calls: sql<number>`count(*)`.mapWith(Number),
      })
      .from(platformCalls)
      .where(scope)
      .groupBy(platformCalls.platform, platformCalls.statusClass, platformCalls.failureKind),
    context.db
      .select({
        platform: platformCalls.platform,
        p50: sql<number>`percentile_cont(0.5) within group (order by ${platformCalls.durationMs})`.mapWith(Number),
        p95: sql<number>`percentile_cont(0.95) within group (order by ${platformCalls.durationMs})`.mapWith(Number),
        p99: sql<number>`percentile_cont(0.99) within group (order by ${platformCalls.durationMs})`.mapWith(Number),
      })
      .from(platformCalls)
      .where(scope)
      .groupBy(platformCalls.platform),
    context.db
      .selectDistinctOn([platformCalls.platform], {
        platform: platformCalls.platform,
        operation: platformCalls.operation,
        failureKind: platformCalls.failureKind,
        statusClass: platformCalls.statusClass,
        at: platformCalls.at,
      })
      .from(platformCalls)
      .where(and(scope, isNotNull(platformCalls.failureKind)))
      .orderBy(platformCalls.platform, desc(platformCalls.at)),
  ]);

  const ids = options.platform ? [options.platform] : [...platformIds];
  const health = Object.fromEntries(ids.map((id) => [id, emptyWindow(options.windowMs)])) as Record<
    PlatformId,
    WindowHealth
  >;
  const evidence = new Map<PlatformId, StateEvidence>();
  for (const group of groups) {
    const window = health[group.platform];
    if (!window) continue;
    const counted = evidence.get(group.platform) ?? { calls: 0, outages: 0, platformFailures: 0 };
    const outage = outageClasses.includes(group.statusClass);
    counted.calls += group.calls;
    if (outage) counted.outages += group.calls;
    if (outage || (group.failureKind && platformSideKinds.includes(group.failureKind)))
      counted.platformFailures += group.calls;
    evidence.set(group.platform, counted);
    window.calls += group.calls;
    window.callsByStatusClass[group.statusClass] = (window.callsByStatusClass[group.statusClass] ?? 0) + group.calls;
    if (group.failureKind)
      window.failuresByKind[group.failureKind] = (window.failuresByKind[group.failureKind] ?? 0) + group.calls;
  }
  for (const latency of latencies) {
    const window = health[latency.platform];
    if (window) window.latencyMs = { p50: latency.p50, p95: latency.p95, p99: latency.p99 };
  }
  for (const last of lastErrors) {
    const window = health[last.platform];
    if (window) window.lastError = { ...last, at: new Date(last.at) };
  }
  for (const [platform, window] of Object.entries(health) as [PlatformId, WindowHealth][]) {
    if (window.calls === 0) continue;
    const failed = Object.values(window.failuresByKind).reduce((sum, count) => sum + count, 0);
    window.errorRate = failed / window.calls;
    window.successRate = 1 - window.errorRate;
    window.state = stateOf(
      { ...evidence.get(platform)!, ...(window.latencyMs ? { p95Ms: window.latencyMs.p95 } : {}) },
      context.config.monitoring.slowP95Ms,
    );
  }
  return health;
}

/** Every window of `healthWindows` at once, per platform; the platform's state is its shortest window's. */
export async function platformApiHealthWindows(
  context: AppContext,
  options: { organizationId?: string; platform?: PlatformId },
): Promise<Record<PlatformId, { state: ApiState; windows: Record<HealthWindow, WindowHealth> }>> {
  const names = Object.keys(healthWindows) as HealthWindow[];
  const results = await Promise.all(
    names.map((name) => platformApiHealth(context, { ...options, windowMs: healthWindows[name] })),
  );
  const ids = Object.keys(results[0]!) as PlatformId[];
  return Object.fromEntries(
    ids.map((id) => {
      const windows = Object.fromEntries(names.map((name, index) => [name, results[index]![id]])) as Record<
        HealthWindow,
        WindowHealth
      >;
      return [id, { state: windows["5m"].state, windows }];
    }),
  ) as Record<PlatformId, { state: ApiState; windows: Record<HealthWindow, WindowHealth> }>;
}
