import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import { can, roles, type Role, type RouteAccess } from "../../src/auth/permissions.js";
import { systemClock } from "../../src/clock.js";
import { MissingRouteAccessError, registerAuthorization } from "../../src/http/authorization.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { HttpClient } from "../support/client.js";
import { apiKeyRoles } from "../../src/auth/api-keys.js";
import { addMember, createOrganization, signUp, testPassword, uniqueEmail } from "../support/factories.js";
import {
  concretePath as documentedPath,
  operationName,
  readOperations,
  routeOf,
  validValue,
  type Operation,
} from "../hardening/openapi.js";
import { startTenants, type Tenants } from "../hardening/tenants.js";

describe("the role table", () => {
  test("matches the product's matrix", () => {
    const matrix: Record<Role, [boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean]> = {
      SUPER_ADMIN: [true, true, true, true, true, true, true, true, true],
      ADMIN: [true, true, true, true, true, true, true, true, true],
      USER: [true, true, true, false, false, true, false, false, false],
      GUEST: [false, false, false, false, false, false, false, false, false],
    };
    for (const role of roles) {
      const row = (
        [
          "connections:connect",
          "connections:view",
          "posts:create",
          "posts:approve",
          "tokens:manage",
          "analytics:view",
          "webhooks:view",
          "webhooks:manage",
          "apikeys:manage",
        ] as const
      ).map((permission) => can(role, permission));
      assert.deepEqual(row, matrix[role], role);
    }
  });

  test("a route without declared access stops the app from starting", async () => {
    const app = Fastify();
    registerAuthorization(app, {
      db: undefined as never,
      sessionTtlMs: 1,
      clock: systemClock,
      allowedOrigins: new Set(),
      apiKeyRequestsPerMinute: 1,
    });
    assert.throws(() => app.get("/api/forgotten", async () => "open"), MissingRouteAccessError);
    await app.close();
  });
});

function allowed(access: RouteAccess, role: Role | "anonymous"): boolean {
  if (access === "public") return true;
  if (access === "control" || role === "anonymous") return false;
  if (access === "signed-in") return true;
  return can(role, access);
}

/** The access a documented operation declares (the app's route table is the source). */
function accessOf(app: TestApp, operation: Operation): RouteAccess | undefined {
  return app.runtime.http!.routeTable.find(
    (route) => route.method === operation.method && route.url === routeOf(operation),
  )?.access;
}

describe("every route with every role", () => {
  let app: TestApp;
  const emails = new Map<Role, string>();

  before(async () => {
    app = await startTestApp({
      env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "10000", API_KEY_REQUESTS_PER_MINUTE: "10000" },
    });
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

  test("the OpenAPI document lists every API route, so walks driven by it miss none", async () => {
    const documented = new Set(
      (await readOperations(app.url)).map((operation) => `${operation.method} ${routeOf(operation)}`),
    );
    const undocumented = app.runtime.http!.routeTable.filter(
      (route) => !documented.has(`${route.method} ${route.url}`),
    );
    assert.deepEqual(undocumented, []);
  });

  test("answers 401/403 exactly where the role table says no, on every route of the OpenAPI document", async () => {
    const operations = await readOperations(app.url);
    assert.ok(operations.length >= 15, `only ${operations.length} routes walked`);
    const mismatches: string[] = [];
    for (const operation of operations) {
      const access = accessOf(app, operation);
      if (!access) continue;
      for (const role of [...roles, "anonymous"] as const) {
        const client = role === "anonymous" ? app.client() : await sessionFor(role);
        const answer = await client.request(
          operation.method,
          concretePath(routeOf(operation)),
          operation.method === "GET" || operation.method === "DELETE" ? undefined : {},
        );
        const denied = answer.status === 401 || (answer.status === 403 && answer.body?.error?.code === "forbidden");
        if (denied === allowed(access, role)) {
          mismatches.push(
            `${operationName(operation)} (${access}) as ${role}: ${answer.status} ${JSON.stringify(answer.body)}`,
          );
        }
      }
    }
    assert.deepEqual(mismatches, []);
  });

  test("answers 401/403 exactly where the role table says no to an API key of each role, and on session-only routes", async () => {
    const admin = await sessionFor("ADMIN");
    const operations = await readOperations(app.url);
    const mismatches: string[] = [];
    for (const role of apiKeyRoles) {
      const created = await admin.post("/api/organization/api-keys", { name: `Walk ${role}`, role });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const key = new HttpClient(app.url, null);
      const authorization = { authorization: `Bearer ${created.body.secret}` };
      for (const operation of operations) {
        const route = app.runtime.http!.routeTable.find(
          (entry) => entry.method === operation.method && entry.url === routeOf(operation),
        );
        if (!route) continue;
        const answer = await key.request(
          operation.method,
          concretePath(routeOf(operation)),
          operation.method === "GET" || operation.method === "DELETE" ? undefined : {},
          authorization,
        );
        const denied =
          answer.status === 401 ||
          (answer.status === 403 && ["forbidden", "session_required"].includes(answer.body?.error?.code));
        const expected = route.access === "public" || (!route.sessionOnly && allowed(route.access, role));
        if (denied === expected) {
          mismatches.push(
            `${operationName(operation)} (${route.access}${route.sessionOnly ? ", session only" : ""}) as a ${role} key: ${answer.status} ${JSON.stringify(answer.body)}`,
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

describe("another organization's data, through every route of the OpenAPI document, as every role", () => {
  let tenants: Tenants;
  before(async () => {
    // Every route with every id, in a minute or two: far more than a key's own per-minute limit, which is not what is walked here.
    tenants = await startTenants({ API_KEY_REQUESTS_PER_MINUTE: "100000" });
  });
  after(() => tenants.stop());

  /** The other organization's id a parameter or field names: by its name, else every one of them. */
  function targetIdsFor(name: string, segmentBefore = ""): string[] {
    const { target } = tenants;
    const byKind: Record<string, string> = {
      organization: target.organizationId,
      post: target.postId,
      target: target.targetId,
      connection: target.connectionId,
      media: target.mediaId,
      invitation: target.invitationId,
      user: target.memberUserId,
      member: target.memberUserId,
      grant: target.grantId,
      endpoint: target.endpointId,
      "api-key": target.apiKeyId,
      campaign: target.campaignId,
      cost: target.costId,
      report: target.reportId,
      link: target.shareLinkId,
    };
    const kind = name === "id" ? segmentBefore.replace(/s$/, "") : /^(\w+?)Ids?$/.exec(name)?.[1];
    const known = kind ? byKind[kind] : undefined;
    return known ? [known] : Object.values(byKind);
  }

  interface Attempt {
    path: string;
    body?: unknown;
    /** Where the other organization's ids are: a refusal is due when they are anywhere. */
    namesTarget: "path" | "body" | "none";
  }

  /** Each way to call an operation with the other organization's ids: in its path, else in its body. */
  function attempts(operation: Operation): Attempt[] {
    const segments = operation.path.split("/");
    const pathChoices = operation.parameters
      .filter((parameter) => parameter.in === "path")
      .map((parameter) => {
        const segmentBefore = segments[segments.indexOf(`{${parameter.name}}`) - 1];
        if (parameter.schema.format === "uuid")
          return { name: parameter.name, secret: true, values: targetIdsFor(parameter.name, segmentBefore) };
        if (parameter.name === "token")
          return { name: parameter.name, secret: true, values: [tenants.target.invitationToken] };
        return { name: parameter.name, secret: false, values: [String(validValue(parameter.schema, parameter.name))] };
      });
    const pathValues = pathChoices.reduce<Record<string, string>[]>(
      (combinations, choice) =>
        combinations.flatMap((values) => choice.values.map((value) => ({ ...values, [choice.name]: value }))),
      [{}],
    );
    const inPath = pathChoices.some((choice) => choice.secret);
    const baseline = operation.body ? validValue(operation.body, "") : undefined;
    const idFields = Object.entries(operation.body?.properties ?? {}).filter(
      ([, schema]) => schema.format === "uuid" || schema.items?.format === "uuid",
    );
    return pathValues.flatMap((values): Attempt[] => {
      const path = documentedPath(operation, values);
      if (inPath || idFields.length === 0) return [{ path, body: baseline, namesTarget: inPath ? "path" : "none" }];
      return idFields.flatMap(([field, schema]) =>
        targetIdsFor(field).map((id): Attempt => ({
          path,
          body: { ...(baseline as object), [field]: schema.items ? [id] : id },
          namesTarget: "body",
        })),
      );
    });
  }

  test("answers 403 or 404 to its ids, shows none of its data, and changes nothing of it, to sessions and API keys", async () => {
    const operations = await readOperations(tenants.app.url);
    const { target } = tenants;
    const privateValues = [
      target.postId,
      target.targetId,
      target.connectionId,
      target.mediaId,
      target.mediaToken,
      target.invitationId,
      target.invitationToken,
      target.memberUserId,
      target.grantId,
      target.apiKeyId,
      target.campaignId,
      target.costId,
      target.content,
    ];
    const sessions = new Map<Role, HttpClient>();
    // Scripts of the home organization, with an API key of each role.
    const homeAdmin = await tenants.signIn("ADMIN");
    const keys = await Promise.all(
      apiKeyRoles.map(async (role) => {
        const created = await homeAdmin.post("/api/organization/api-keys", { name: `Tenant walk ${role}`, role });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const client = new HttpClient(tenants.app.url, null);
        const authorization = { authorization: `Bearer ${created.body.secret}` };
        return {
          caller: `${role} key`,
          request: (method: string, path: string, body: unknown) => client.request(method, path, body, authorization),
        };
      }),
    );
    const problems: string[] = [];
    let requests = 0;
    for (const operation of operations) {
      const access = accessOf(tenants.app, operation);
      const before = await tenants.snapshot();
      // A route that signs out, switches or creates an organization spoils the session for the next.
      const spoilsSession =
        operation.path.startsWith("/api/auth/") ||
        operation.path.startsWith("/api/invitations/") ||
        operation.path === "/api/organizations";
      const sessionCallers = roles.map((role) => ({
        caller: role as string,
        request: async (method: string, path: string, body: unknown) => {
          const client = sessions.get(role) ?? (await tenants.signIn(role));
          sessions.set(role, client);
          const answer = await client.request(method, path, body);
          if (spoilsSession) sessions.delete(role);
          return answer;
        },
      }));
      for (const { caller, request } of [...sessionCallers, ...keys]) {
        for (const attempt of attempts(operation)) {
          const answer = await request(operation.method, attempt.path, attempt.body);
          requests += 1;
          const said = `${operationName(operation)} as ${caller} naming its ${attempt.namesTarget}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
          const superAdminSwitching =
            caller === "SUPER_ADMIN" && operationName(operation) === "PUT /api/auth/session/organization";
          const refusals = attempt.namesTarget === "path" ? [403, 404] : [400, 403, 404, 409];
          if (answer.status >= 500) problems.push(said);
          else if (
            attempt.namesTarget !== "none" &&
            access !== "public" &&
            !superAdminSwitching &&
            !refusals.includes(answer.status)
          )
            problems.push(said);
          const shown = privateValues.filter((value) => JSON.stringify(answer.body).includes(value));
          if (answer.status < 300 && shown.length > 0) problems.push(`${said} shows ${shown.join(", ")}`);
        }
      }
      if ((await tenants.snapshot()) !== before)
        problems.push(`${operationName(operation)} changed the other organization`);
    }
    assert.ok(requests >= operations.length * roles.length, `only ${requests} requests`);
    assert.deepEqual(problems, []);
  });
});
