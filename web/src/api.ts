/** The dashboard's one way to the API: JSON in and out, errors as ApiError with the field named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const payload = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = payload?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? "error",
      error.message ?? `Request failed (${response.status})`,
      error.field,
    );
  }
  return payload as T;
}

export type Role = "SUPER_ADMIN" | "ADMIN" | "USER" | "GUEST";
export type MembershipRole = Exclude<Role, "SUPER_ADMIN">;
export const membershipRoles: MembershipRole[] = ["ADMIN", "USER", "GUEST"];

export interface OrganizationSummary {
  id: string;
  name: string;
  role: Role;
}

export interface Me {
  user: { id: string; email: string; name: string; isSuperAdmin: boolean };
  organizations: OrganizationSummary[];
  activeOrganization: OrganizationSummary | null;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: MembershipRole;
  joinedAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: MembershipRole;
  url: string;
  invitedBy: string | null;
  expiresAt: string;
  createdAt: string;
}

export interface AuditEvent {
  id: number;
  organizationName: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

export interface Health {
  status: "ok" | "unavailable";
  database: { ok: boolean; detail: string };
  queue: { ok: boolean; detail: string };
  worker: { ok: boolean; detail: string; lastSeenAt: string | null; live: number };
}

/** What each role may do, mirrored from the server's table for showing and hiding controls. */
export const roleCan = {
  manageMembers: (role: Role) => role === "ADMIN" || role === "SUPER_ADMIN",
  viewMembers: (role: Role) => role !== "GUEST",
  viewAudit: (role: Role) => role === "ADMIN" || role === "SUPER_ADMIN",
  viewConnections: (role: Role) => role !== "GUEST",
  connectAccounts: (role: Role) => role !== "GUEST",
  manageTokens: (role: Role) => role === "ADMIN" || role === "SUPER_ADMIN",
  post: (role: Role) => role !== "GUEST",
};

export type { PlatformId } from "../../src/platforms/profiles";
import type { PlatformId } from "../../src/platforms/profiles";

export interface PlatformInfo {
  id: PlatformId;
  name: string;
  method: "oauth" | "bot";
  mode: "configured" | "sandbox" | "unavailable";
  missingVariables: string[];
  redirectUri: string | null;
  example: { botToken: string; channel: string } | null;
  /** The yes/no settings its profile declares, as set on this server; its composer rules read them. */
  flags: Record<string, boolean>;
}

export type ConnectionStatus = "healthy" | "expired" | "invalid" | "rate_limited" | "disconnected";

export interface Connection {
  id: string;
  platform: PlatformId;
  externalId: string;
  accountKind: string;
  name: string;
  username: string | null;
  avatarUrl: string | null;
  isSandbox: boolean;
  status: ConnectionStatus;
  lastSuccessAt: string | null;
  lastCheckedAt: string | null;
  lastRefreshedAt: string | null;
  tokenExpiresAt: string | null;
  refreshable: boolean;
  errorCount: number;
  lastError: string | null;
  lastErrorAt: string | null;
  rateLimitedUntil: string | null;
}

export interface GrantChoice {
  platform: PlatformId;
  isSandbox: boolean;
  expiresAt: string;
  accounts: {
    externalId: string;
    kind: string;
    name: string;
    username?: string | null;
    avatarUrl?: string | null;
    alreadyConnected: boolean;
  }[];
}

export const roleLabels: Record<Role, string> = {
  SUPER_ADMIN: "Super admin",
  ADMIN: "Admin",
  USER: "Member",
  GUEST: "Guest",
};

export const roleDescriptions: Record<MembershipRole, string> = {
  ADMIN: "Manages the team, tokens and every account",
  USER: "Connects accounts, posts and reads analytics",
  GUEST: "Sees the organization, changes nothing",
};

export interface MediaItem {
  id: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  url: string;
}

export type TargetState = "queued" | "publishing" | "published" | "failed" | "unknown" | "cancelled";

export interface PostTarget {
  id: string;
  connectionId: string;
  platform: PlatformId;
  accountName: string;
  isSandbox: boolean;
  state: TargetState;
  attempts: number;
  dueAt: string;
  publishedAt: string | null;
  postId: string | null;
  url: string | null;
  error: string | null;
}

export interface Post {
  id: string;
  content: string;
  link: string | null;
  media: MediaItem[];
  options: Record<string, unknown>;
  scheduledAt: string | null;
  status: "scheduled" | "publishing" | "published" | "partially_published" | "failed" | "cancelled";
  createdAt: string;
  targets: PostTarget[];
}

export type { ContentLimits } from "../../src/platforms/limits";

/** Uploads a file with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function uploadMedia(file: File, onProgress: (fraction: number) => void): Promise<MediaItem> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/media");
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      const body = JSON.parse(request.responseText || "{}");
      if (request.status === 201) resolve(body.media as MediaItem);
      else
        reject(
          new ApiError(
            request.status,
            body.error?.code ?? "error",
            body.error?.message ?? "Upload failed",
            body.error?.field,
          ),
        );
    };
    request.onerror = () => reject(new ApiError(0, "network", "The upload was interrupted."));
    const form = new FormData();
    form.set("file", file);
    request.send(form);
  });
}
