import assert from "node:assert/strict";
import { HttpClient, type Answer } from "../support/client.js";

export interface CreatedKey {
  secret: string;
  apiKey: { id: string; name: string; role: string; prefix: string };
}

/** An API key made through the dashboard's route by a signed-in admin. */
export async function createKey(
  admin: HttpClient,
  overrides: { name?: string; role?: "ADMIN" | "USER"; expiresAt?: string } = {},
): Promise<CreatedKey> {
  const answer = await admin.post("/api/organization/api-keys", {
    name: overrides.name ?? "Automation",
    role: overrides.role ?? "USER",
    ...(overrides.expiresAt ? { expiresAt: overrides.expiresAt } : {}),
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as CreatedKey;
}

/** A script calling the API with a key: no cookie, no Origin, only `Authorization: Bearer`. */
export class KeyClient {
  private readonly http: HttpClient;

  constructor(
    baseUrl: URL,
    readonly secret: string,
  ) {
    this.http = new HttpClient(baseUrl, null);
  }

  request<Body = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<Body>> {
    return this.http.request<Body>(method, path, body, { authorization: `Bearer ${this.secret}`, ...headers });
  }
  get<Body = any>(path: string, headers: Record<string, string> = {}) {
    return this.request<Body>("GET", path, undefined, headers);
  }
  post<Body = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request<Body>("POST", path, body, headers);
  }
}
