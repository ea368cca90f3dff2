import type { PlatformId } from "./profiles.js";

/**
 * Every way a platform call can fail, as one union: handlers `switch (failure.kind)` with an
 * exhaustive default, so a new kind breaks the build where it is not handled.
 */
export type PlatformFailure =
  | { kind: "token_expired" }
  | { kind: "token_invalid"; reason: string }
  | { kind: "rate_limited"; retryAt: Date; scope: "app" | "account" }
  | {
      kind: "rejected";
      userMessage: string;
      field?: string;
      /**
       * The platform refuses the post as one it already has (X's duplicate content): after an
       * earlier attempt whose answer was lost, that one may be ours, so it is looked for first.
       */
      duplicate?: true;
    }
  | { kind: "transient" }
  | { kind: "ambiguous" };

export class PlatformError extends Error {
  constructor(
    readonly platform: PlatformId,
    readonly failure: PlatformFailure,
    options: { message: string; status?: number; platformCode?: string | number; cause?: unknown },
  ) {
    super(`${platform}: ${options.message}`, { cause: options.cause });
    this.status = options.status;
    this.platformCode = options.platformCode;
  }
  readonly status?: number;
  readonly platformCode?: string | number;
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
