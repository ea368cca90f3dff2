import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { ConnectVariant, PlatformEnvironment, PlatformProfile } from "./platforms/profile.js";
import { platformIds, platformProfiles, type PlatformId } from "./platforms/profiles.js";

/**
 * The one place that reads process.env. Everything is parsed and validated once at boot;
 * a bad value stops the process with every problem listed, each naming its variable.
 */

const MASTER_KEY_BYTES = 32;

/** Accepts 64 hex characters, base64 of 32 bytes, or 32 raw characters. */
export function parseMasterKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const decoded = Buffer.from(value, "base64");
    if (decoded.length === MASTER_KEY_BYTES) return decoded;
  }
  const raw = Buffer.from(value, "utf8");
  return raw.length === MASTER_KEY_BYTES ? raw : undefined;
}

export function generateMasterKey(): string {
  return randomBytes(MASTER_KEY_BYTES).toString("hex");
}

const masterKey = z.string().transform((value, ctx) => {
  const key = parseMasterKey(value);
  if (!key) {
    ctx.addIssue({ code: "custom", message: "must be 32 bytes: 64 hex characters, base64, or 32 characters" });
    return z.NEVER;
  }
  return key;
});

const retiredKeys = z.string().transform((value, ctx) => {
  const keys = new Map<number, Buffer>();
  for (const entry of value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(":");
    const version = Number(entry.slice(0, separator));
    const key = separator > 0 ? parseMasterKey(entry.slice(separator + 1)) : undefined;
    if (!Number.isInteger(version) || version < 1 || !key) {
      ctx.addIssue({ code: "custom", message: "must be a comma-separated list of VERSION:KEY pairs" });
      return z.NEVER;
    }
    keys.set(version, key);
  }
  return keys;
});

const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  FIELD_ENCRYPTION_KEY: masterKey.optional(),
  FIELD_ENCRYPTION_KEY_VERSION: positiveInt.default(1),
  FIELD_ENCRYPTION_RETIRED_KEYS: retiredKeys.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TRUST_PROXY: z.stringbool().default(false),
  SESSION_TTL_HOURS: positiveInt.default(24 * 14),
  INVITATION_TTL_HOURS: positiveInt.default(24 * 7),
  LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: positiveInt.default(20),
  LOGIN_FAILURES_PER_EMAIL: positiveInt.default(5),
  LOGIN_FAILURE_WINDOW_MINUTES: positiveInt.default(15),
  /** Each API key's budget, counted per minute across every API process. */
  API_KEY_REQUESTS_PER_MINUTE: positiveInt.default(120),
  WORKER_HEARTBEAT_INTERVAL_MS: positiveInt.default(5_000),
  WORKER_STALE_AFTER_MS: positiveInt.default(20_000),
  QUEUE_POLLING_INTERVAL_SECONDS: z.coerce.number().min(0.5).default(2),
  CONNECTION_REFRESH_AHEAD_MINUTES: positiveInt.default(15),
  CONNECTION_REFRESH_SWEEP_SECONDS: positiveInt.default(60),
  CONNECTION_HEALTH_CHECK_MINUTES: positiveInt.default(15),
  SANDBOX_TWIN: z.stringbool().default(true),
  MEDIA_MAX_BYTES: positiveInt.default(512 * 1024 * 1024),
  PUBLISH_MAX_ATTEMPTS: positiveInt.default(5),
  PUBLISH_STUCK_AFTER_SECONDS: positiveInt.default(120),
  /** How long a platform may process a post's media before the post fails, unless its module sets its own. */
  PUBLISH_PROCESSING_DEADLINE_SECONDS: positiveInt.default(1_800),
  PUBLISH_SWEEP_SECONDS: positiveInt.default(10),
  PLATFORM_TIMEOUT_MS: positiveInt.default(30_000),
  PLATFORM_CALLS_RETENTION_DAYS: positiveInt.default(7),
  PLATFORM_CALLS_FLUSH_MS: positiveInt.default(1_000),
  PLATFORM_HEALTH_SLOW_P95_MS: positiveInt.default(10_000),
  /**
   * Development and tests only (refused in production): webhooks may go to loopback, private and
   * link-local addresses. Unset, it is allowed in development and refused elsewhere.
   */
  WEBHOOK_ALLOW_INTERNAL_ADDRESSES: z.stringbool().optional(),
  WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
  WEBHOOK_MAX_ATTEMPTS: positiveInt.max(20).default(6),
  WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES: positiveInt.default(3),
  /** Opens /metrics on the main listener to whoever presents it as a bearer token. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (`openssl rand -hex 32` makes one)").optional(),
  /** A listener of its own for /metrics, without a token: how a worker-only process is scraped. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /** Days before an access token that cannot be refreshed expires that its account's members are warned. */
  ALERT_TOKEN_EXPIRY_WARNING_DAYS: positiveInt.default(7),
  ALERT_PUBLISHING_LATE_MINUTES: positiveInt.default(15),
  ALERT_WORKER_DOWN_SECONDS: positiveInt.default(120),
  /** A platform failing at least this share of an organization's calls over five minutes is alerted on. */
  ALERT_PLATFORM_ERROR_RATE_PERCENT: positiveInt.max(100).default(25),
  /** …counted only over at least this many calls, so two failures of three are no alert. */
  ALERT_PLATFORM_ERROR_MIN_CALLS: positiveInt.default(10),
  /**
   * The share of each platform's declared read budget that collecting metrics may spend; the rest
   * is left to publishing, which draws on the same budgets.
   */
  ANALYTICS_BUDGET_PERCENT: z.coerce.number().min(0.001).max(100).default(80),
  /** smtp:// or smtps://, with user and password in it; or the SMTP_HOST… variables below. Unset: no e-mail. */
  SMTP_URL: z
    .url()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  SMTP_SECURE: z.stringbool().default(false),
  MAIL_FROM: z.string().min(3).default("MarketSage Social <alerts@localhost>"),
});

/** The variables naming a platform's app at the platform: none for bot platforms. */
function credentialVariables(profile: PlatformProfile): string[] {
  const { prefix, clientIdSuffix = "CLIENT_ID" } = profile.environment;
  return profile.connectsWith === "oauth" ? [`${prefix}_${clientIdSuffix}`, `${prefix}_CLIENT_SECRET`] : [];
}

/** A connect variant's own app's variables, where it has an app of its own. */
function variantVariables(variant: ConnectVariant): string[] {
  return variant.credentialsPrefix
    ? [`${variant.credentialsPrefix}_CLIENT_ID`, `${variant.credentialsPrefix}_CLIENT_SECRET`]
    : [];
}

/** `{prefix}_…` variables each platform's profile declares. */
function platformVariables(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const profile of Object.values(platformProfiles) as PlatformProfile[]) {
    const { prefix, apiVersion, flags }: PlatformEnvironment = profile.environment;
    for (const variable of credentialVariables(profile)) shape[variable] = z.string().optional();
    for (const variant of profile.connectVariants ?? [])
      for (const variable of variantVariables(variant)) shape[variable] = z.string().optional();
    shape[`${prefix}_BASE_URL`] = z.url().optional();
    shape[`${prefix}_WEB_BASE_URL`] = z.url().optional();
    if (apiVersion)
      shape[`${prefix}_API_VERSION`] = z
        .string()
        .regex(apiVersion.pattern, apiVersion.format)
        .default(apiVersion.default);
    for (const flag of Object.values(flags ?? {}))
      shape[`${prefix}_${flag.suffix}`] = z.stringbool().default(flag.default);
  }
  return shape;
}

const platformEnvSchema = z.object(platformVariables());

export interface PlatformSettings {
  /** Absent until both the id and the secret are set (bot platforms need none: each organization brings its bot). */
  credentials?: { clientId: string; clientSecret: string };
  /** Replaces every API host of the platform (a proxy, or the sandbox); undefined means the real hosts. */
  baseUrl?: URL;
  /** Replaces the platform's public site in the links to posts (a sandbox's own pages); undefined means the real site. */
  webBaseUrl?: URL;
  /** The prefix of the platform's variables, from its profile. */
  variablePrefix: string;
  /** The variables to set for the platform's credentials (`{prefix}_CLIENT_ID` or the profile's own name, and `{prefix}_CLIENT_SECRET`). */
  credentialVariables: string[];
  apiVersion?: string;
  /** The yes/no settings the platform's profile declares, by name. */
  flags: Record<string, boolean>;
  /** Each connect variant's app: its own credentials where its variables are set, else the platform's. */
  variants: Record<string, { credentials?: { clientId: string; clientSecret: string }; credentialVariables: string[] }>;
}

function platformSettings(env: Record<string, unknown>): Record<PlatformId, PlatformSettings> {
  const settingsOf = (profile: (typeof platformProfiles)[PlatformId]): PlatformSettings => {
    const environment: PlatformEnvironment = profile.environment;
    const { prefix, fallbackPrefix, flags } = environment;
    // A variable of the platform's own, or else the one of the platform it falls back on (one app for two platforms).
    const value = (suffix: string) => {
      const own = env[`${prefix}_${suffix}`];
      const fallback = fallbackPrefix ? env[`${fallbackPrefix}_${suffix}`] : undefined;
      return typeof own === "string" ? own : typeof fallback === "string" ? fallback : undefined;
    };
    const clientId = value(environment.clientIdSuffix ?? "CLIENT_ID");
    const clientSecret = value("CLIENT_SECRET");
    const baseUrl = value("BASE_URL");
    const webBaseUrl = value("WEB_BASE_URL");
    const credentials = clientId && clientSecret ? { clientId, clientSecret } : undefined;
    const variantSettings = (variant: ConnectVariant) => {
      const own = variant.credentialsPrefix;
      const ownId = own ? env[`${own}_CLIENT_ID`] : undefined;
      const ownSecret = own ? env[`${own}_CLIENT_SECRET`] : undefined;
      // Both of the variant's own variables, or neither: an id of one app with the secret of another is no app.
      const hasOwn = typeof ownId === "string" || typeof ownSecret === "string";
      return {
        credentials: hasOwn
          ? typeof ownId === "string" && typeof ownSecret === "string"
            ? { clientId: ownId, clientSecret: ownSecret }
            : undefined
          : credentials,
        credentialVariables: own ? variantVariables(variant) : credentialVariables(profile),
      };
    };
    return {
      credentials,
      baseUrl: baseUrl ? new URL(baseUrl) : undefined,
      webBaseUrl: webBaseUrl ? new URL(webBaseUrl) : undefined,
      variablePrefix: prefix,
      credentialVariables: credentialVariables(profile),
      apiVersion: value("API_VERSION"),
      flags: Object.fromEntries(
        Object.entries(flags ?? {}).map(([name, flag]) => [name, env[`${prefix}_${flag.suffix}`] === true]),
      ),
      variants: Object.fromEntries(
        ((profile as PlatformProfile).connectVariants ?? []).map((variant) => [variant.id, variantSettings(variant)]),
      ),
    };
  };
  return Object.fromEntries(platformIds.map((id) => [id, settingsOf(platformProfiles[id])])) as Record<
    PlatformId,
    PlatformSettings
  >;
}

function mailSettings(env: z.infer<typeof envSchema>) {
  const from = env.MAIL_FROM;
  if (env.SMTP_URL) return { smtp: env.SMTP_URL, from };
  if (!env.SMTP_HOST) return undefined;
  return {
    smtp: {
      host: env.SMTP_HOST,
      port: env.SMTP_PORT,
      secure: env.SMTP_SECURE,
      ...(env.SMTP_USER ? { auth: { user: env.SMTP_USER, pass: env.SMTP_PASSWORD ?? "" } } : {}),
    },
    from,
  };
}

function buildConfig(env: z.infer<typeof envSchema>, platformEnv: Record<string, unknown>) {
  const listenPort = env.PORT;
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === "production",
    http: {
      host: env.HOST,
      port: listenPort,
      /** Where browsers reach the app; undefined means "derive from the listening address". */
      publicUrl: env.PUBLIC_URL ? new URL(env.PUBLIC_URL) : undefined,
      trustProxy: env.TRUST_PROXY,
    },
    dataDir: env.DATA_DIR,
    database: env.DATABASE_URL
      ? { kind: "postgres" as const, url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : { kind: "pglite" as const },
    vault: {
      masterKey: env.FIELD_ENCRYPTION_KEY,
      masterKeyVersion: env.FIELD_ENCRYPTION_KEY_VERSION,
      retiredKeys: env.FIELD_ENCRYPTION_RETIRED_KEYS ?? new Map<number, Buffer>(),
    },
    logLevel: env.LOG_LEVEL,
    auth: {
      sessionTtlMs: env.SESSION_TTL_HOURS * 3_600_000,
      invitationTtlMs: env.INVITATION_TTL_HOURS * 3_600_000,
      loginAttemptsPerIpPerMinute: env.LOGIN_ATTEMPTS_PER_IP_PER_MINUTE,
      loginFailuresPerEmail: env.LOGIN_FAILURES_PER_EMAIL,
      loginFailureWindowMs: env.LOGIN_FAILURE_WINDOW_MINUTES * 60_000,
      apiKeyRequestsPerMinute: env.API_KEY_REQUESTS_PER_MINUTE,
    },
    platforms: platformSettings(platformEnv),
    /** Development only: platforms without credentials are offered as the in-process sandbox. */
    sandboxTwin: env.SANDBOX_TWIN && env.NODE_ENV !== "production",
    media: { maxBytes: env.MEDIA_MAX_BYTES },
    publishing: {
      maxAttempts: env.PUBLISH_MAX_ATTEMPTS,
      stuckAfterMs: env.PUBLISH_STUCK_AFTER_SECONDS * 1000,
      processingDeadlineMs: env.PUBLISH_PROCESSING_DEADLINE_SECONDS * 1000,
      sweepIntervalMs: env.PUBLISH_SWEEP_SECONDS * 1000,
    },
    /** How long a platform may take to answer one request before the call counts as lost. */
    platformTimeoutMs: env.PLATFORM_TIMEOUT_MS,
    connections: {
      refreshAheadMs: env.CONNECTION_REFRESH_AHEAD_MINUTES * 60_000,
      refreshSweepSeconds: env.CONNECTION_REFRESH_SWEEP_SECONDS,
      healthCheckIntervalMs: env.CONNECTION_HEALTH_CHECK_MINUTES * 60_000,
    },
    monitoring: {
      /** Platform calls older than this are deleted by the hourly maintenance job. */
      callRetentionMs: env.PLATFORM_CALLS_RETENTION_DAYS * 86_400_000,
      /** How often buffered platform calls are written (sooner when a batch fills). */
      callFlushIntervalMs: env.PLATFORM_CALLS_FLUSH_MS,
      /** A platform whose 95th percentile latency over five minutes is above this is degraded. */
      slowP95Ms: env.PLATFORM_HEALTH_SLOW_P95_MS,
    },
    webhooks: {
      /** Plain http:// endpoints are refused in production only. */
      httpsOnly: env.NODE_ENV === "production",
      allowInternalAddresses: env.WEBHOOK_ALLOW_INTERNAL_ADDRESSES ?? env.NODE_ENV === "development",
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      disableAfterFailedDeliveries: env.WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES,
    },
    /** Off unless a token or a port of its own is set: the public listener answers /metrics 404. */
    metrics: {
      token: env.METRICS_TOKEN,
      listener: env.METRICS_PORT === undefined ? undefined : { host: env.METRICS_HOST, port: env.METRICS_PORT },
    },
    alerts: {
      tokenExpiryWarningMs: env.ALERT_TOKEN_EXPIRY_WARNING_DAYS * 86_400_000,
      publishingLateMs: env.ALERT_PUBLISHING_LATE_MINUTES * 60_000,
      workerDownMs: env.ALERT_WORKER_DOWN_SECONDS * 1000,
      platformErrors: {
        errorRate: env.ALERT_PLATFORM_ERROR_RATE_PERCENT / 100,
        minCalls: env.ALERT_PLATFORM_ERROR_MIN_CALLS,
      },
    },
    analytics: { budgetShare: env.ANALYTICS_BUDGET_PERCENT / 100 },
    /** Undefined when no SMTP server is set: alerts are then in-app only. */
    mail: mailSettings(env),
    worker: {
      heartbeatIntervalMs: env.WORKER_HEARTBEAT_INTERVAL_MS,
      staleAfterMs: env.WORKER_STALE_AFTER_MS,
      pollingIntervalSeconds: env.QUEUE_POLLING_INTERVAL_SECONDS,
    },
  };
}

export type Config = ReturnType<typeof buildConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as in most deployment tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = envSchema.safeParse(present);
  const platformEnv = platformEnvSchema.safeParse(present);
  if (!parsed.success || !platformEnv.success) {
    const issues = [...(parsed.error?.issues ?? []), ...(platformEnv.error?.issues ?? [])];
    throw new ConfigError(issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const config = buildConfig(parsed.data, platformEnv.data);
  if (config.isProduction && !config.vault.masterKey) {
    throw new ConfigError([
      "FIELD_ENCRYPTION_KEY: required when NODE_ENV=production (32 bytes as hex or base64; `openssl rand -hex 32` makes one)",
    ]);
  }
  if (config.isProduction) {
    const insecure = Object.values(config.platforms).flatMap((settings) =>
      (["BASE_URL", "WEB_BASE_URL"] as const)
        .filter((suffix) => {
          const url = suffix === "BASE_URL" ? settings.baseUrl : settings.webBaseUrl;
          return url && url.protocol !== "https:";
        })
        .map((suffix) => `${settings.variablePrefix}_${suffix}: must be https:// in production`),
    );
    if (insecure.length > 0) throw new ConfigError(insecure);
  }
  if (config.isProduction && config.webhooks.allowInternalAddresses) {
    throw new ConfigError([
      "WEBHOOK_ALLOW_INTERNAL_ADDRESSES: development and tests only; production webhooks go to public addresses",
    ]);
  }
  if (config.vault.retiredKeys.has(config.vault.masterKeyVersion)) {
    throw new ConfigError([
      `FIELD_ENCRYPTION_RETIRED_KEYS: version ${config.vault.masterKeyVersion} is the current FIELD_ENCRYPTION_KEY_VERSION`,
    ]);
  }
  return config;
}

/** Parses process.env; on failure prints every problem and exits, as a server should at boot. */
export function loadConfig(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
