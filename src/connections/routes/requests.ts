import type { FastifyRequest } from "fastify";
import { requestOrigin } from "../../audit/audit.js";
import type { Database } from "../../db/client.js";
import { notFound } from "../../errors.js";
import { currentOrganization, currentUser } from "../../http/authorization.js";
import type { Actor } from "../save.js";
import { organizationConnection } from "../store.js";

/** The signed-in member acting on the active organization's connections. */
export function actorOf(request: FastifyRequest): Actor {
  const organization = currentOrganization(request);
  const user = currentUser(request);
  const { ip, userAgent } = requestOrigin(request);
  return { organizationId: organization.id, user: { id: user.id, email: user.email }, ip, userAgent };
}

/** A connection of the active organization; another organization's is as absent as one that never existed. */
export async function ownedConnection(db: Database, request: FastifyRequest, id: string) {
  const connection = await organizationConnection(db, currentOrganization(request).id, id);
  if (!connection) throw notFound("That connection");
  return connection;
}
