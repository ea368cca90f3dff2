import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import { can, roles, type Role, type RouteAccess } from "../../src/auth/permissions.js";
import { MissingRouteAccessError, registerAuthorization } from "../../src/http/authorization.js";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp, testPassword, uniqueEmail } from "../support/factories.js";

describe("the role table", () => {
  test("matches the product's matrix", () => {
    const matrix: Record<Role, [boolean, boolean, boolean, boolean, boolean]> = {
      SUPER_ADMIN: [true, true, true, true, true],
      ADMIN: [true, true, true, true, true],
      USER: [true, true, true, false, true],
      GUEST: [false, false, false, false, false],
    };
    for (const role of roles) {
      const row = (
        ["connections:connect", "connections:view", "posts:create", "tokens:manage", "analytics:view"] as const
      ).map((permission) => can(role, permission));
      assert.deepEqual(row, matrix[role], role);
    }
  });

  test("a route without declared access stops the app from starting", async () => {
    const app = Fastify();
    registerAuthorization(app, { db: undefined as never, sessionTtlMs: 1, allowedOrigins: new Set() });
    assert.throws(() => app.get("/api/forgotten", async () => "open"), MissingRouteAccessError);
    await app.close();
  });
});

describe("every route with every role", () => {
  let app: TestApp;
  const emails = new Map<Role, string>();

  before(async () => {
    app = await startTestApp({ env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "10000" } });
    const superAdmin = app.client();
    emails.set("SUPER_ADMIN", (await signUp(superAdmin)).email);
    const admin = app.client();
    emails.set("ADMIN", (await signUp(admin)).email);
    await createOrganization(admin, "Walked Org");
    const superAdminOrganizations = await superAdmin.get("/api/organizations");
    const walked = superAdminOrganizations.body.organizations.find((o: { name: string }) => o.name === "Walked Org");
    await superAdmin.put("/api/auth/session/organization", { organizationId: walked.id });
    emails.set("USER", (await addMember(admin, app.client(), "USER")).email);
    emails.set("GUEST", (await addMember(admin, app.client(), "GUEST")).email);
  });
  after(() => app.stop());

  /** A fresh session per request, so a route such as logout cannot spoil the next one. */
  async function sessionFor(role: Role): Promise<HttpClient> {
    const client = app.client();
    const answer = await client.post("/api/auth/login", { email: emails.get(role), password: testPassword });
    assert.equal(answer.status, 200);
    return client;
  }

  function concretePath(url: string): string {
    return url.replace(/:token/g, randomBytes(32).toString("base64url")).replace(/:[A-Za-z]+/g, () => randomUUID());
  }

  function allowed(access: RouteAccess, role: Role | "anonymous"): boolean {
    if (access === "public") return true;
    if (access === "control" || role === "anonymous") return false;
    if (access === "signed-in") return true;
    return can(role, access);
  }

  test("answers 401/403 exactly where the role table says no", async () => {
    const routeTable = app.runtime.http!.routeTable;
    assert.ok(routeTable.length >= 15, `only ${routeTable.length} routes walked`);
    const mismatches: string[] = [];
    for (const route of routeTable) {
      for (const role of [...roles, "anonymous"] as const) {
        const client = role === "anonymous" ? app.client() : await sessionFor(role);
        const answer = await client.request(
          route.method,
          concretePath(route.url),
          route.method === "GET" || route.method === "DELETE" ? undefined : {},
        );
        const denied = answer.status === 401 || (answer.status === 403 && answer.body?.error?.code === "forbidden");
        if (denied === allowed(route.access, role)) {
          mismatches.push(
            `${route.method} ${route.url} (${route.access}) as ${role}: ${answer.status} ${JSON.stringify(answer.body)}`,
          );
        }
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test("the control route takes only the control token", async () => {
    const answer = await fetch(new URL("/api/internal/keys/rotate", app.url), {
      method: "POST",
      headers: { authorization: "Bearer wrong" },
    });
    assert.equal(answer.status, 401);
  });

  test("a new account cannot guess its way into an organization", async () => {
    const client = app.client();
    await signUp(client, { email: uniqueEmail("stranger") });
    const answer = await client.get("/api/organization/members");
    assert.equal(answer.status, 409);
    assert.equal(answer.body.error.code, "no_organization");
  });
});
