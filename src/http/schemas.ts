import { z } from "zod";
import { platformIds } from "../platforms/profiles.js";

/** Nothing in the product happened before 1970; PostgreSQL refuses the year 0 that ISO 8601 allows. */
const EARLIEST_MS = Date.UTC(1970, 0, 1);

/** An ISO 8601 date-time with an offset, within the years the database and the product agree on. */
export const dateTime = (message = "must be an ISO 8601 date-time with an offset") =>
  z.iso
    .datetime({ offset: true, message })
    .refine((value) => Date.parse(value) >= EARLIEST_MS, "must be in 1970 or later");

/** One of the registry's platforms: the API's enum follows the registry, never a restated list. */
export const platformId = z.enum(platformIds, { message: `must be one of ${platformIds.join(", ")}` });
