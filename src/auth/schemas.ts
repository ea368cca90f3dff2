import { z } from "zod";
import { membershipRoles, roles } from "./permissions.js";

/** Compared and stored lower-case: one account, and one invitation, per address however it is typed. */
export const email = z
  .email("must be an email address")
  .max(254)
  .transform((value) => value.toLowerCase());

/** A role as the caller holds it in an organization, SUPER_ADMIN included. */
export const effectiveRole = z.enum(roles);

/** A role inside one organization, as memberships and invitations store it. */
export const membershipRole = z.enum(membershipRoles);
