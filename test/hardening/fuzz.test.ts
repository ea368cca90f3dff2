import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { newsBot } from "../connections/support.js";
import type { Answer, HttpClient } from "../support/client.js";
import {
  concretePath,
  encodeForUrl,
  fieldPaths,
  operationName,
  readOperations,
  validValue,
  withValueAt,
  type Operation,
} from "./openapi.js";
import { startTenants, type Tenants } from "./tenants.js";

/**
 * A seeded, bounded walk over every operation of the OpenAPI document with hostile input. A
 * failure prints its seed and counterexample: pin it with FUZZ_SEED, then keep it as a test.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_524);
const RANDOM_RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 20);

/** A value that prints as `label` in a counterexample (printing it whole would take pages, or the stack). */
function labelled<T extends object>(value: T, label: string): T {
  return Object.defineProperty(value, fc.toStringMethod, { value: () => label });
}

function nested(depth: number): object {
  let value: object = { bottom: true };
  for (let level = 0; level < depth; level += 1) value = { deeper: value };
  return labelled(value, `an object nested ${depth} levels deep`);
}

const hostileStrings = fc.constantFrom(
  "\u0000",
  "a\u0000b",
  "\ud800",
  "tail\udfff",
  "\udc00\ud800",
  "\u202eevil\u202c.exe",
  "\u0001\u0007\u001b[31m\u007f\u0085\u2028",
  "../../../../etc/passwd",
  "..%2f..%2f..%2fetc%2fpasswd",
  "%00",
  "' OR '1'='1' --",
  "<script>alert(1)</script>",
  "\r\nSet-Cookie: stolen=1",
  "",
  " ",
  "null",
  "-1",
  "1e400",
  "NaN",
  "٩٨٧",
  "0000-01-01T00:00:00Z",
  "+275760-09-13T00:00:00Z",
  "9999-12-31T23:59:59+14:00",
  "javascript:alert(1)",
  "http://169.254.169.254/latest/meta-data/",
  "x".repeat(100_000),
  "😀".repeat(5_000),
);

const TEN_THOUSAND = 10_000;

/** One of each kind of bad value: every parameter and every field of every operation meets each. */
function everyKindOfBadValue(anId: string): unknown[] {
  return [
    "Acme\u0000 Ltd",
    "Acme \ud800 Ltd",
    "\u202eAcme\u0007\u001b[31m\u0085",
    12_345,
    { wrong: "type" },
    "x".repeat(100_000),
    1e308,
    labelled(
      Array.from({ length: TEN_THOUSAND }, () => anId),
      "10,000 copies of an id",
    ),
    nested(2_000),
    "../../../../etc/passwd",
    null,
  ];
}

/** Anything a field might be sent instead of what it takes, often inside ordinary text. */
function hostileValues(interestingIds: string[]) {
  const inText = fc
    .tuple(fc.constantFrom("", "Acme "), hostileStrings, fc.constantFrom("", " Ltd"))
    .map(([before, hostile, after]) => `${before}${hostile}${after}`);
  return fc.oneof(
    { arbitrary: inText, weight: 6 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 40 }), weight: 2 },
    fc.constantFrom(0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(...everyKindOfBadValue(interestingIds[0]!)),
    fc.jsonValue({ maxDepth: 3 }),
    { arbitrary: fc.constantFrom(...interestingIds), weight: 2 },
    fc.constantFrom(...interestingIds).map((id) => [id]),
  );
}

type Mutation =
  | { kind: "path" | "query"; name: string; value: unknown }
  | { kind: "body"; field: string[]; value: unknown }
  | { kind: "raw"; contentType?: string; body: string };

/** Bodies no JSON field can express: other content types, broken or enormous JSON. */
const rawBodies: { contentType?: string; body: string }[] = [
  { contentType: "application/json", body: "{" },
  { contentType: "application/json", body: "" },
  { contentType: "application/json", body: `${"[".repeat(50_000)}${"]".repeat(50_000)}` },
  { contentType: "application/json", body: '{"limit": 1e400, "name": 1e400}' },
  { contentType: "application/json", body: '{"__proto__": {"isSuperAdmin": true}}' },
  { contentType: "application/json", body: '{"constructor": {"prototype": {"admin": true}}}' },
  { contentType: "application/json", body: `{"content": "${"x".repeat(1_100_000)}"}` },
  { contentType: "text/plain", body: "name=plain" },
  { contentType: "application/x-www-form-urlencoded", body: "name=form&email=a%40b.c" },
  { contentType: "multipart/form-data", body: "no boundary" },
  { contentType: "multipart/form-data; boundary=b", body: '--b\r\ncontent-disposition: form-data; name="file"' },
  { contentType: "application/xml", body: "<name>x</name>" },
  { contentType: "application/json; charset=utf-16", body: '{"name":"x"}' },
  { body: '{"name":"no content type"}' },
];

const TAKES_BODY = new Set(["POST", "PUT", "PATCH"]);

/** Every parameter and field with every kind of bad value, and every odd body: what each run starts with. */
function systematicMutations(operation: Operation, anId: string): Mutation[] {
  const mutations: Mutation[] = [];
  for (const value of everyKindOfBadValue(anId)) {
    for (const parameter of operation.parameters) mutations.push({ kind: parameter.in, name: parameter.name, value });
    for (const field of operation.body ? [[], ...fieldPaths(operation.body)] : [])
      mutations.push({ kind: "body", field, value });
  }
  if (TAKES_BODY.has(operation.method)) for (const raw of rawBodies) mutations.push({ kind: "raw", ...raw });
  return mutations;
}

/** Random combinations on top: mostly a body field, sometimes a parameter, an unknown query, an odd body. */
function randomMutations(operation: Operation, interestingIds: string[]): fc.Arbitrary<Mutation> {
  const values = hostileValues(interestingIds);
  const choices: fc.WeightedArbitrary<Mutation>[] = [
    { arbitrary: fc.constantFrom(...rawBodies).map((raw): Mutation => ({ kind: "raw", ...raw })), weight: 1 },
    {
      arbitrary: fc.record({
        kind: fc.constant("query" as const),
        name: fc.constantFrom("limit", "from", "x"),
        value: values,
      }),
      weight: 1,
    },
  ];
  for (const parameter of operation.parameters) {
    choices.push({
      arbitrary: fc.record({ kind: fc.constant(parameter.in), name: fc.constant(parameter.name), value: values }),
      weight: 2,
    });
  }
  const fields = operation.body ? [[], ...fieldPaths(operation.body)] : [];
  if (fields.length > 0) {
    choices.push({
      arbitrary: fc.record({ kind: fc.constant("body" as const), field: fc.constantFrom(...fields), value: values }),
      weight: 6,
    });
  }
  return fc.oneof(...choices);
}

const asText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

interface FuzzRequest {
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The request a mutation makes: every other part holds a valid value. */
function requestOf(operation: Operation, mutation: Mutation, known: Record<string, unknown>): FuzzRequest {
  const pathValues = Object.fromEntries(
    operation.parameters
      .filter((parameter) => parameter.in === "path")
      .map((parameter) => [parameter.name, String(validValue(parameter.schema, parameter.name, known))]),
  );
  if (mutation.kind === "path") pathValues[mutation.name] = asText(mutation.value);
  let path = concretePath(operation, pathValues);
  if (mutation.kind === "query") {
    const values = Array.isArray(mutation.value) ? mutation.value : [mutation.value];
    path += `?${values.map((value) => `${mutation.name}=${encodeForUrl(asText(value))}`).join("&")}`;
  }
  const baseline = operation.body ? validValue(operation.body, "", known) : undefined;
  if (mutation.kind === "raw")
    return { path, headers: mutation.contentType ? { "content-type": mutation.contentType } : {}, body: mutation.body };
  const body = mutation.kind === "body" ? withValueAt(baseline, mutation.field, mutation.value) : baseline;
  return body === undefined
    ? { path, headers: {}, body: undefined }
    : { path, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** Sends the body as it is (the test client would encode it as JSON), with the session's cookie. */
async function send(client: HttpClient, method: string, request: FuzzRequest): Promise<Answer> {
  const response = await fetch(new URL(request.path, client.baseUrl), {
    method,
    headers: { ...request.headers, origin: client.baseUrl.origin, cookie: `msid=${client.cookie("msid")}` },
    body: method === "GET" || method === "HEAD" ? undefined : request.body,
    redirect: "manual",
  });
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get("content-type") ?? "").includes("json") && text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = `unparsable JSON: ${text.slice(0, 200)}`;
    }
  }
  return { status: response.status, headers: response.headers, body };
}

/** What is wrong with an answer, if anything: a 5xx, or a 4xx not in the app's shape. */
function problemWith(answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400) return undefined;
  const body = answer.body;
  if (typeof body !== "object" || body === null)
    return `a ${answer.status} that is not JSON: ${String(body).slice(0, 200)}`;
  const error = body.error;
  const shaped =
    Object.keys(body).length === 1 &&
    typeof error?.code === "string" &&
    typeof error?.message === "string" &&
    (error.field === undefined || typeof error.field === "string") &&
    Object.keys(error).every((key) => ["code", "message", "field"].includes(key));
  return shaped ? undefined : `a ${answer.status} not in the app's shape: ${JSON.stringify(body).slice(0, 200)}`;
}

describe("fuzzing every operation of the OpenAPI document", () => {
  let tenants: Tenants;
  before(async () => {
    tenants = await startTenants();
  });
  after(() => tenants.stop());

  test("no bad input answers 5xx, every 4xx is { error: { code, message, field? } }, the other organization is untouched", async (t) => {
    const operations = await readOperations(tenants.app.url);
    const { home, target } = tenants;
    const interestingIds = [
      home.postId,
      home.connectionId,
      home.mediaId,
      target.organizationId,
      target.postId,
      target.targetId,
      target.connectionId,
      target.mediaId,
      target.memberUserId,
      target.invitationId,
      target.grantId,
      target.endpointId,
      target.reportId,
      target.shareLinkId,
    ];
    /** Real values for fields whose schema cannot say what exists. */
    const known: Record<string, unknown> = {
      id: home.postId,
      targetId: home.targetId,
      organizationId: home.organizationId,
      connectionIds: [home.connectionId],
      mediaIds: [home.mediaId],
      botToken: newsBot,
      chat: "@northwind_news",
      token: target.invitationToken,
      platform: "telegram",
      endpointId: home.endpointId,
      reportId: home.reportId,
      linkId: home.shareLinkId,
      url: "https://8.8.8.8/hook",
    };
    const started = Date.now();
    let requests = 0;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (const [index, operation] of operations.entries()) {
      const before = await tenants.snapshot();
      let client: HttpClient = await tenants.signIn("ADMIN");
      /** Signing out, or switching or creating an organization, changes the session the next run uses. */
      const restoreSession = async () => {
        const me = await client.get("/api/auth/me");
        if (me.status !== 200) client = await tenants.signIn("ADMIN");
        else if (me.body.activeOrganization?.id !== home.organizationId)
          await client.put("/api/auth/session/organization", { organizationId: home.organizationId });
      };
      const examples = systematicMutations(operation, interestingIds[0]!).map((mutation): [Mutation] => [mutation]);
      const details = await fc.check(
        fc.asyncProperty(randomMutations(operation, interestingIds), async (mutation) => {
          const request = requestOf(operation, mutation, known);
          const answer = await send(client, operation.method, request);
          requests += 1;
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          await restoreSession();
          const problem = problemWith(answer);
          if (problem) throw new Error(`${operation.method} ${request.path.slice(0, 200)}: ${problem}`);
        }),
        { seed: SEED + index, numRuns: examples.length + RANDOM_RUNS_PER_OPERATION, examples, endOnFailure: true },
      );
      if (details.failed)
        failures.push(`${operationName(operation)}: ${fc.defaultReportMessage(details)?.slice(0, 1_500)}`);
      if ((await tenants.snapshot()) !== before)
        failures.push(`${operationName(operation)} changed the other organization`);
    }
    const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
    t.diagnostic(
      `${requests} requests over ${operations.length} operations in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(seeds ${SEED}+operation index): ${byStatus.join(" ")}`,
    );
    assert.deepEqual(failures, []);
  });
});
