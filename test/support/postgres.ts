import { randomBytes } from "node:crypto";
import { setTimeout } from "node:timers/promises";
import pg from "pg";

/** A server the suite may create databases on: .ci/postgres starts one and prints this URL. */
const adminUrl = process.env.TEST_DATABASE_URL;

export const postgresSkipReason = adminUrl
  ? false
  : "TEST_DATABASE_URL is not set; `export TEST_DATABASE_URL=$(bash .ci/postgres)` runs these against a local server";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, so suites never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!adminUrl) throw new Error(String(postgresSkipReason));
  const name = `marketsage_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await dropForcefully(client, name);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * `with (force)` terminates the database's other sessions, and refuses (42501) when one is an
 * autovacuum worker unless the role may signal any backend: .ci/postgres grants that, and a
 * server set up without it gets the worker's few moments to finish.
 */
async function dropForcefully(client: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`drop database if exists ${name} with (force)`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "42501" || attempt === 40) throw error;
      await setTimeout(250);
    }
  }
}

export interface Backend {
  name: "pglite" | "postgres";
  skip: string | false;
  /** Extra environment for the app, and how to clean up after it. */
  prepare(): Promise<{ databaseUrl?: string; cleanUp(): Promise<void> }>;
}

/** Suites that exercise the database layer run once per backend. */
export const backends: Backend[] = [
  { name: "pglite", skip: false, prepare: async () => ({ cleanUp: async () => undefined }) },
  {
    name: "postgres",
    skip: postgresSkipReason,
    async prepare() {
      const database = await createTestDatabase();
      return { databaseUrl: database.url, cleanUp: () => database.drop() };
    },
  },
];
