import { randomUUID } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { campaignCostKind, campaignCosts, campaignGoalKind, campaigns } from "../db/schema.js";
import { invalidInput, notFound } from "../errors.js";
import { currentOrganization, currentUser } from "../http/authorization.js";
import { clickCountsBy } from "../links/reading.js";
import { isCurrency, minorDigits, toMinorUnits } from "./money.js";
import { campaignView, campaignViews, costsOf, costView, freeSlug, ownedCampaign, viewOfCost } from "./store.js";

const campaignParams = z.object({ id: z.uuid("must be a campaign id") });
const costParams = campaignParams.extend({ costId: z.uuid("must be a cost id") });
const day = z.iso.date("must be a date (YYYY-MM-DD)");
const amount = z.string().regex(/^\d{1,12}(\.\d+)?$/, "must be an amount such as 120.50");
const name = z.string().trim().min(1, "must not be empty").max(200);
const currency = z
  .string()
  .transform((code) => code.toUpperCase())
  .refine(isCurrency, "must be an ISO 4217 currency code, such as EUR");
const goal = z.object({
  kind: z.enum(campaignGoalKind.enumValues, { message: `must be one of ${campaignGoalKind.enumValues.join(", ")}` }),
  target: amount.describe("A whole count for clicks and conversions; an amount in the campaign's currency for revenue"),
});
const clickTotals = z.object({ clicks: z.number(), uniqueClicks: z.number(), botClicks: z.number() });
const campaignDetail = campaignView.extend({ costs: z.array(costView), trackedClicks: clickTotals });

/** A goal as stored: a count, or minor units of the currency; a 400 naming the field when it does not fit. */
function storedGoal(asked: z.infer<typeof goal> | null | undefined, currencyCode: string) {
  if (!asked) return { goalKind: null, goalTarget: null };
  const target =
    asked.kind === "revenue"
      ? toMinorUnits(asked.target, currencyCode)
      : /^\d+$/.test(asked.target)
        ? Number(asked.target)
        : undefined;
  if (target === undefined)
    throw invalidInput(
      "invalid_goal",
      asked.kind === "revenue"
        ? `goal.target: ${currencyCode} amounts have at most ${minorDigits(currencyCode)} decimals.`
        : "goal.target: must be a whole number.",
      "goal.target",
    );
  return { goalKind: asked.kind, goalTarget: target };
}

function assertDates(startsOn: string, endsOn: string | null | undefined) {
  if (endsOn && endsOn < startsOn)
    throw invalidInput("ends_before_start", "endsOn: the campaign must end on or after its start.", "endsOn");
}

/** Campaigns: posts grouped with dates, a goal and hand-entered costs; their clicks come from tracked links. */
export const campaignRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;
  const now = () => new Date(context.clock.now());

  app.get(
    "/api/campaigns",
    {
      config: { access: "campaigns:view" },
      schema: {
        tags: ["campaigns"],
        summary: "The active organization's campaigns, newest first, with their cost totals and post counts",
        response: { 200: z.object({ campaigns: z.array(campaignView) }) },
      },
    },
    async (request) => {
      const rows = await db
        .select()
        .from(campaigns)
        .where(eq(campaigns.organizationId, currentOrganization(request).id))
        .orderBy(desc(campaigns.startsOn), desc(campaigns.createdAt));
      return { campaigns: await campaignViews(db, rows) };
    },
  );

  app.post(
    "/api/campaigns",
    {
      config: { access: "campaigns:manage" },
      schema: {
        tags: ["campaigns"],
        summary: "Start a campaign: its name, dates, currency and goal",
        body: z.object({
          name,
          startsOn: day,
          endsOn: day.nullable().optional(),
          currency,
          goal: goal.nullable().optional(),
        }),
        response: { 201: z.object({ campaign: campaignView }) },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const body = request.body;
      assertDates(body.startsOn, body.endsOn);
      const id = randomUUID();
      const [created] = await audited(
        db,
        async (tx) =>
          tx
            .insert(campaigns)
            .values({
              id,
              organizationId: organization.id,
              name: body.name,
              slug: await freeSlug(tx, organization.id, body.name),
              startsOn: body.startsOn,
              endsOn: body.endsOn ?? null,
              currency: body.currency,
              ...storedGoal(body.goal, body.currency),
              createdByUserId: currentUser(request).id,
            })
            .returning(),
        {
          action: "campaign.created",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "campaign", id },
          details: { name: body.name },
        },
      );
      const [view] = await campaignViews(db, [created!]);
      return reply.status(201).send({ campaign: view! });
    },
  );

  app.get(
    "/api/campaigns/:id",
    {
      config: { access: "campaigns:view" },
      schema: {
        tags: ["campaigns"],
        summary: "A campaign with its cost entries and its posts' tracked clicks",
        params: campaignParams,
        response: { 200: z.object({ campaign: campaignDetail }) },
      },
    },
    async (request) => {
      const organizationId = currentOrganization(request).id;
      const campaign = await ownedCampaign(db, organizationId, request.params.id);
      const [view] = await campaignViews(db, [campaign]);
      const [clicks] = await clickCountsBy(context, organizationId, { by: "campaign", campaignId: campaign.id });
      return {
        campaign: {
          ...view!,
          costs: (await costsOf(db, campaign.id)).map((cost) => viewOfCost(cost, campaign.currency)),
          trackedClicks: {
            clicks: clicks?.clicks ?? 0,
            uniqueClicks: clicks?.uniqueClicks ?? 0,
            botClicks: clicks?.botClicks ?? 0,
          },
        },
      };
    },
  );

  app.patch(
    "/api/campaigns/:id",
    {
      config: { access: "campaigns:manage" },
      schema: {
        tags: ["campaigns"],
        summary:
          "Change a campaign's name, dates or goal; its currency is fixed once it has costs, and its tracked links keep their utm_campaign",
        params: campaignParams,
        body: z
          .object({
            name: name.optional(),
            startsOn: day.optional(),
            endsOn: day.nullable().optional(),
            currency: currency.optional(),
            goal: goal.nullable().optional(),
          })
          .refine((body) => Object.values(body).some((value) => value !== undefined), {
            message: "name a change: name, startsOn, endsOn, currency or goal",
            path: ["name"],
          }),
        response: { 200: z.object({ campaign: campaignView }) },
      },
    },
    async (request) => {
      const organizationId = currentOrganization(request).id;
      const campaign = await ownedCampaign(db, organizationId, request.params.id);
      const body = request.body;
      const currencyCode = body.currency ?? campaign.currency;
      assertDates(body.startsOn ?? campaign.startsOn, body.endsOn === undefined ? campaign.endsOn : body.endsOn);
      if (currencyCode !== campaign.currency && (await costsOf(db, campaign.id)).length > 0)
        throw invalidInput(
          "currency_has_costs",
          "currency: the campaign's costs are in its currency; delete them before changing it.",
          "currency",
        );
      const keptGoal =
        campaign.goalKind && campaign.goalTarget !== null && campaign.goalKind !== "revenue"
          ? { kind: campaign.goalKind, target: String(campaign.goalTarget) }
          : undefined;
      const goalChange =
        body.goal !== undefined
          ? storedGoal(body.goal, currencyCode)
          : currencyCode !== campaign.currency && campaign.goalKind === "revenue"
            ? storedGoal(keptGoal, currencyCode)
            : {};
      const [updated] = await audited(
        db,
        (tx) =>
          tx
            .update(campaigns)
            .set({
              ...(body.name !== undefined ? { name: body.name } : {}),
              ...(body.startsOn !== undefined ? { startsOn: body.startsOn } : {}),
              ...(body.endsOn !== undefined ? { endsOn: body.endsOn } : {}),
              currency: currencyCode,
              ...goalChange,
              updatedAt: now(),
            })
            .where(eq(campaigns.id, campaign.id))
            .returning(),
        {
          action: "campaign.updated",
          organizationId,
          ...requestOrigin(request),
          target: { type: "campaign", id: campaign.id },
          details: { fields: Object.keys(body).filter((key) => body[key as keyof typeof body] !== undefined) },
        },
      );
      const [view] = await campaignViews(db, [updated!]);
      return { campaign: view! };
    },
  );

  app.delete(
    "/api/campaigns/:id",
    {
      config: { access: "campaigns:manage" },
      schema: {
        tags: ["campaigns"],
        summary: "Delete a campaign and its costs; its posts stay, without a campaign",
        params: campaignParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const organizationId = currentOrganization(request).id;
      const campaign = await ownedCampaign(db, organizationId, request.params.id);
      await audited(db, (tx) => tx.delete(campaigns).where(eq(campaigns.id, campaign.id)), {
        action: "campaign.deleted",
        organizationId,
        ...requestOrigin(request),
        target: { type: "campaign", id: campaign.id },
        details: { name: campaign.name },
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/campaigns/:id/costs",
    {
      config: { access: "campaigns:manage" },
      schema: {
        tags: ["campaigns"],
        summary: "Enter a cost by hand (a paid boost, production, other), in the campaign's currency",
        params: campaignParams,
        body: z.object({
          kind: z.enum(campaignCostKind.enumValues, {
            message: `must be one of ${campaignCostKind.enumValues.join(", ")}`,
          }),
          description: z.string().trim().min(1, "must not be empty").max(500),
          amount,
          incurredOn: day,
        }),
        response: { 201: z.object({ cost: costView }) },
      },
    },
    async (request, reply) => {
      const organizationId = currentOrganization(request).id;
      const campaign = await ownedCampaign(db, organizationId, request.params.id);
      const body = request.body;
      const amountMinor = toMinorUnits(body.amount, campaign.currency);
      if (amountMinor === undefined)
        throw invalidInput(
          "invalid_amount",
          `amount: ${campaign.currency} amounts have at most ${minorDigits(campaign.currency)} decimals.`,
          "amount",
        );
      const id = randomUUID();
      const [cost] = await audited(
        db,
        (tx) =>
          tx
            .insert(campaignCosts)
            .values({
              id,
              organizationId,
              campaignId: campaign.id,
              kind: body.kind,
              description: body.description,
              amountMinor,
              incurredOn: body.incurredOn,
              createdByUserId: currentUser(request).id,
            })
            .returning(),
        {
          action: "campaign.cost_added",
          organizationId,
          ...requestOrigin(request),
          target: { type: "campaign", id: campaign.id },
          details: { costId: id, kind: body.kind, amount: body.amount, currency: campaign.currency },
        },
      );
      return reply.status(201).send({ cost: viewOfCost(cost!, campaign.currency) });
    },
  );

  app.delete(
    "/api/campaigns/:id/costs/:costId",
    {
      config: { access: "campaigns:manage" },
      schema: {
        tags: ["campaigns"],
        summary: "Delete a cost entry",
        params: costParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const organizationId = currentOrganization(request).id;
      const campaign = await ownedCampaign(db, organizationId, request.params.id);
      await audited(
        db,
        async (tx) => {
          const deleted = await tx
            .delete(campaignCosts)
            .where(and(eq(campaignCosts.id, request.params.costId), eq(campaignCosts.campaignId, campaign.id)))
            .returning({ id: campaignCosts.id });
          if (deleted.length === 0) throw notFound("That cost entry");
        },
        {
          action: "campaign.cost_deleted",
          organizationId,
          ...requestOrigin(request),
          target: { type: "campaign", id: campaign.id },
          details: { costId: request.params.costId },
        },
      );
      return reply.status(204).send(null);
    },
  );
};
