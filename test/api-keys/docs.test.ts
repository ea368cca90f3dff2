import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.js";

interface DocumentedOperation {
  description?: string;
  security?: Record<string, string[]>[];
  "x-access"?: string;
  requestBody?: { content: Record<string, { example?: unknown }> };
}

describe("the OpenAPI document of the public API", () => {
  let app: TestApp;
  let document: {
    components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
    paths: Record<string, Record<string, DocumentedOperation>>;
  };

  before(async () => {
    app = await startTestApp();
    document = await (await fetch(new URL("/api/docs/json", app.url))).json();
  });
  after(() => app.stop());

  const operation = (path: string, method: string) => document.paths[path]![method]!;
  const schemes = (path: string, method: string) =>
    (operation(path, method).security ?? []).flatMap((requirement) => Object.keys(requirement));

  test("shows the bearer scheme for API keys beside the session", () => {
    assert.equal(document.components.securitySchemes.apiKey?.type, "http");
    assert.equal(document.components.securitySchemes.apiKey?.scheme, "bearer");
    assert.equal(document.components.securitySchemes.session?.type, "apiKey");
  });

  test("names every operation's access, and the roles and keys it admits", () => {
    const unnamed = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, documented]) => !documented["x-access"] || !/Access: /.test(documented.description ?? ""))
        .map(([method]) => `${method} ${path}`),
    );
    assert.deepEqual(unnamed, []);
    assert.match(
      operation("/api/posts", "post").description!,
      /Access: `posts:create` — SUPER_ADMIN, ADMIN, USER; API keys of role ADMIN or USER\./,
    );
    assert.deepEqual(schemes("/api/posts", "post"), ["session", "apiKey"]);
    assert.match(operation("/api/webhooks/endpoints", "post").description!, /API keys of role ADMIN\./);
    assert.deepEqual(schemes("/api/organization/api-keys", "post"), ["session"]);
    assert.match(operation("/api/auth/me", "get").description!, /not API keys/);
    assert.deepEqual(schemes("/api/health", "get"), []);
  });

  test("documents Idempotency-Key on creating routes, and examples of a post and a key", () => {
    assert.match(operation("/api/posts", "post").description!, /Idempotency-Key/);
    assert.doesNotMatch(operation("/api/organization/api-keys", "post").description!, /Idempotency-Key/);
    const post = operation("/api/posts", "post").requestBody!.content["application/json"]!.example as {
      connectionIds: string[];
    };
    assert.equal(post.connectionIds.length, 2);
    assert.deepEqual(
      operation("/api/organization/api-keys", "post").requestBody!.content["application/json"]!.example,
      { name: "CMS publisher", role: "USER", expiresAt: "2027-01-01T00:00:00Z" },
    );
  });
});
