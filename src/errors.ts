/**
 * What the product refuses, in its own terms. Modules throw these without knowing they will
 * become HTTP answers; http/errors.ts alone decides each kind's status.
 */
export type FailureKind =
  /** The request asks for something that cannot be: a bad value, an unknown choice. */
  | "invalid_input"
  /** Whoever is asking could not be recognised (wrong credentials). */
  | "unauthenticated"
  /** Recognised, but not allowed this. */
  | "forbidden"
  | "not_found"
  /** Valid on its own, but not in the state things are in now (already done, last admin…). */
  | "conflict"
  /** Existed, and is over for good (a used or expired link). */
  | "gone"
  /** Too many attempts in too short a time: the caller must wait (how long is said). */
  | "throttled"
  /** More than the product accepts in one go (an upload's size). */
  | "too_large"
  /** A kind of content the product does not take (a file type). */
  | "unsupported_type"
  /** A platform we depend on did not answer properly: worth trying again later. */
  | "upstream";

export class DomainError extends Error {
  constructor(
    readonly kind: FailureKind,
    /** Stable, for clients to act on; the message may change. */
    readonly code: string,
    /** Written for the person using the product. */
    message: string,
    /** The input the failure is about, for a form to point at. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const invalidInput = (code: string, message: string, field?: string) =>
  new DomainError("invalid_input", code, message, field);

export const unauthenticated = (code: string, message: string, field?: string) =>
  new DomainError("unauthenticated", code, message, field);

export const forbidden = (code: string, message: string, field?: string) =>
  new DomainError("forbidden", code, message, field);

/** `what` starts the sentence: "That post" gives "That post was not found." */
export const notFound = (what: string, field?: string) =>
  new DomainError("not_found", "not_found", `${what} was not found.`, field);

export const conflict = (code: string, message: string, field?: string) =>
  new DomainError("conflict", code, message, field);

export const gone = (code: string, message: string, field?: string) => new DomainError("gone", code, message, field);

export const upstreamFailed = (code: string, message: string, field?: string) =>
  new DomainError("upstream", code, message, field);
