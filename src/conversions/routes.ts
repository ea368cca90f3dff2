import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "../context.js";
import { currentOrganization } from "../http/authorization.js";
import { accountQuery } from "../analytics/schemas.js";
import { recordConversions } from "./record.js";
import { campaignRoi } from "./roi.js";
import {
  conversionAnswer,
  conversionBatchAnswer,
  conversionBatchBody,
  conversionInput,
  MAX_BATCH,
  campaignParams,
  roiView,
  settingsBody,
  settingsView,
  type ConversionInput,
} from "./schemas.js";
import { conversionSettingsOf, rotateSiteKey, saveAttributionWindow } from "./site-key.js";

const tags = ["conversions"];

export const conversionRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const description =
    "Send the click id the landing page received (the `msclid` parameter) or its UTM values. A conversion is " +
    "attributed to the last person's click (never a bot's) within the organization's attribution window, " +
    "by click id, else by utm_content (the post) and utm_source (the platform); otherwise it is recorded " +
    "unattributed, with why. `eventId` makes it idempotent: a replay answers the first result " +
    "(`replayed: true`) and counts once. Values are exact decimals; nothing is converted between currencies. " +
    "201 when something new was recorded, 200 when every event was a replay.";
  const record = (organizationId: string, inputs: { input: ConversionInput; fieldPrefix: string }[]) =>
    recordConversions({ context, organizationId, source: "api" }, inputs);
  const statusOf = (views: { replayed: boolean }[]) => (views.every((view) => view.replayed) ? 200 : 201);

  app.post(
    "/api/conversions",
    {
      config: { access: "conversions:record" },
      schema: {
        tags,
        summary: "Record a conversion on your site, attributed to the click it came from",
        description,
        body: conversionInput,
        response: { 200: conversionAnswer, 201: conversionAnswer },
      },
    },
    async (request, reply) => {
      const views = await record(currentOrganization(request).id, [{ input: request.body, fieldPrefix: "" }]);
      return reply.status(statusOf(views)).send({ conversion: views[0]! });
    },
  );

  app.post(
    "/api/conversions/batch",
    {
      config: { access: "conversions:record" },
      schema: {
        tags,
        summary: `Record up to ${MAX_BATCH} conversions at once: all of them, or none when one is refused`,
        description,
        body: conversionBatchBody,
        response: { 200: conversionBatchAnswer, 201: conversionBatchAnswer },
      },
    },
    async (request, reply) => {
      const inputs = request.body.conversions.map((input, index) => ({ input, fieldPrefix: `conversions.${index}.` }));
      const views = await record(currentOrganization(request).id, inputs);
      return reply.status(statusOf(views)).send({ conversions: views });
    },
  );

  app.get(
    "/api/organization/conversion-settings",
    {
      config: { access: "analytics:view" },
      schema: {
        tags,
        summary: "The site key your pages' conversion script presents, its snippet, and the attribution window",
        response: { 200: settingsView },
      },
    },
    async (request) => conversionSettingsOf(context, currentOrganization(request).id),
  );

  app.put(
    "/api/organization/conversion-settings",
    {
      config: { access: "conversions:manage" },
      schema: {
        tags,
        summary: "Set how many days after a click a conversion still counts for it (1–90, default 7)",
        body: settingsBody,
        response: { 200: settingsView },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      await saveAttributionWindow(context, organization.id, { days: request.body.attributionWindowDays, request });
      return conversionSettingsOf(context, organization.id);
    },
  );

  app.post(
    "/api/organization/conversion-settings/site-key",
    {
      config: { access: "conversions:manage" },
      schema: {
        tags,
        summary: "Create the public site key, or replace it: pages still using the old one stop recording",
        response: { 201: settingsView },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      await rotateSiteKey(context, organization.id, request);
      return reply.status(201).send(await conversionSettingsOf(context, organization.id));
    },
  );

  app.get(
    "/api/campaigns/:id/roi",
    {
      config: { access: "campaigns:view" },
      schema: {
        tags,
        summary: "A campaign's ROI with what it rests on: revenue, cost, clicks, conversions and the window",
        description:
          "ROI = (attributed revenue − cost) ÷ cost, null when no cost is entered. Revenue sums the values of the " +
          "conversions attributed to the campaign's clicks in its currency; values in other currencies are listed " +
          "apart and never converted. Cost per click counts people's clicks only. Optional start and end days " +
          "(UTC, inclusive) limit conversions, clicks and costs to a range.",
        params: campaignParams,
        querystring: accountQuery,
        response: { 200: roiView },
      },
    },
    async (request) => campaignRoi(context, currentOrganization(request).id, request.params.id, request.query),
  );
};
