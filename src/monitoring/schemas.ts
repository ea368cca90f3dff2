import { z } from "zod";
import { membersOf } from "../connections/routes/schemas.js";
import type { StatusClass } from "../platforms/call-record.js";
import type { PlatformFailure } from "../platforms/failure.js";
import type { ApiState } from "./api-health.js";

export const statusClasses = membersOf<StatusClass>({
  "2xx": true,
  "3xx": true,
  "4xx": true,
  "5xx": true,
  network: true,
  timeout: true,
});
export const failureKinds = membersOf<PlatformFailure["kind"]>({
  token_expired: true,
  token_invalid: true,
  rate_limited: true,
  rejected: true,
  transient: true,
  ambiguous: true,
});
export const apiStates = membersOf<ApiState>({ operational: true, degraded: true, down: true });

const windowSchema = z.object({
  windowMs: z.number(),
  calls: z.number(),
  successRate: z.number().nullable(),
  errorRate: z.number().nullable(),
  failuresByKind: z.partialRecord(z.enum(failureKinds), z.number()),
  callsByStatusClass: z.partialRecord(z.enum(statusClasses), z.number()),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
  lastError: z
    .object({
      operation: z.string(),
      failureKind: z.enum(failureKinds).nullable(),
      statusClass: z.enum(statusClasses),
      at: z.date(),
    })
    .nullable(),
  state: z.enum(apiStates),
});

/** A platform's API health: its state (the last five minutes') and each rolling window's figures. */
export const apiHealthSchema = z.object({
  state: z.enum(apiStates),
  windows: z.object({ "5m": windowSchema, "1h": windowSchema, "24h": windowSchema }),
});
