import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { can } from "../../../src/auth/permissions";
import { api } from "../api";
import type { paths } from "../api/schema";
import { Button, Card, Field, fieldError, FormError, PageHeader, SelectField } from "../components/ui";
import { CampaignRoi } from "../components/CampaignRoi";
import { useSession } from "../session";
import "./campaigns.css";

type Campaign = paths["/api/campaigns"]["get"]["responses"][200]["content"]["application/json"]["campaigns"][number];
type GoalKind = "clicks" | "conversions" | "revenue";
type CostKind = "paid_boost" | "production" | "other";

const goalKinds: { value: GoalKind | ""; label: string }[] = [
  { value: "", label: "No goal" },
  { value: "clicks", label: "Clicks" },
  { value: "conversions", label: "Conversions" },
  { value: "revenue", label: "Revenue" },
];
const costKinds: { value: CostKind; label: string }[] = [
  { value: "paid_boost", label: "Paid boost" },
  { value: "production", label: "Production" },
  { value: "other", label: "Other" },
];
const today = () => new Date().toISOString().slice(0, 10);

/** A campaign's name, dates, currency and goal: a new one, or changes to one. */
function CampaignForm({ campaign, onDone }: { campaign?: Campaign; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(campaign?.name ?? "");
  const [startsOn, setStartsOn] = useState(campaign?.startsOn ?? today());
  const [endsOn, setEndsOn] = useState(campaign?.endsOn ?? "");
  const [currency, setCurrency] = useState(campaign?.currency ?? "EUR");
  const [goalKind, setGoalKind] = useState<GoalKind | "">(campaign?.goal?.kind ?? "");
  const [goalTarget, setGoalTarget] = useState(campaign?.goal?.target ?? "");
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name,
        startsOn,
        endsOn: endsOn || null,
        currency,
        goal: goalKind ? { kind: goalKind, target: goalTarget } : null,
      };
      return campaign
        ? api("PATCH", "/api/campaigns/{id}", { path: { id: campaign.id }, body })
        : api("POST", "/api/campaigns", { body });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["campaigns"] });
      onDone();
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <Field
        label="Name"
        name="campaignName"
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={fieldError(save.error, "name")}
      />
      <div className="campaign-row">
        <Field
          label="Starts"
          name="startsOn"
          type="date"
          value={startsOn}
          onChange={(event) => setStartsOn(event.target.value)}
          error={fieldError(save.error, "startsOn")}
        />
        <Field
          label="Ends"
          name="endsOn"
          type="date"
          value={endsOn}
          onChange={(event) => setEndsOn(event.target.value)}
          error={fieldError(save.error, "endsOn")}
        />
        <Field
          label="Currency"
          name="currency"
          value={currency}
          maxLength={3}
          onChange={(event) => setCurrency(event.target.value.toUpperCase())}
          error={fieldError(save.error, "currency")}
          hint="ISO 4217, such as EUR"
        />
      </div>
      <div className="campaign-row">
        <SelectField
          label="Goal"
          name="goalKind"
          value={goalKind}
          onChange={(event) => setGoalKind(event.target.value as GoalKind | "")}
        >
          {goalKinds.map((kind) => (
            <option key={kind.value} value={kind.value}>
              {kind.label}
            </option>
          ))}
        </SelectField>
        {goalKind ? (
          <Field
            label={goalKind === "revenue" ? `Target (${currency})` : "Target"}
            name="goalTarget"
            inputMode="decimal"
            value={goalTarget}
            onChange={(event) => setGoalTarget(event.target.value)}
            error={fieldError(save.error, "goal.target")}
          />
        ) : null}
      </div>
      <FormError error={save.error} fields={["name", "startsOn", "endsOn", "currency", "goal.target"]} />
      <div className="campaign-row">
        <Button type="submit" busy={save.isPending} disabled={!name.trim()}>
          {campaign ? "Save campaign" : "Create campaign"}
        </Button>
        {campaign ? (
          <Button type="button" variant="ghost" onClick={onDone}>
            Cancel
          </Button>
        ) : null}
      </div>
    </form>
  );
}

/** A campaign's hand-entered costs, and a form to add one. */
function Costs({ campaign, canManage }: { campaign: Campaign; canManage: boolean }) {
  const queryClient = useQueryClient();
  const detail = useQuery({
    queryKey: ["campaigns", campaign.id],
    queryFn: () => api("GET", "/api/campaigns/{id}", { path: { id: campaign.id } }),
  });
  const [kind, setKind] = useState<CostKind>("paid_boost");
  const [description, setDescription] = useState("");
  const [amount, setAmount] = useState("");
  const [incurredOn, setIncurredOn] = useState(today());
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["campaigns"] });
  const add = useMutation({
    mutationFn: () =>
      api("POST", "/api/campaigns/{id}/costs", {
        path: { id: campaign.id },
        body: { kind, description, amount, incurredOn },
      }),
    onSuccess: async () => {
      setDescription("");
      setAmount("");
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (costId: string) =>
      api("DELETE", "/api/campaigns/{id}/costs/{costId}", { path: { id: campaign.id, costId } }),
    onSuccess: refresh,
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  const clicks = detail.data?.campaign.trackedClicks;
  return (
    <div className="stack">
      {clicks ? (
        <p className="small" data-testid="campaign-clicks">
          Tracked clicks: {clicks.clicks} ({clicks.uniqueClicks} unique), {clicks.botClicks} by bots
        </p>
      ) : null}
      <ul className="campaign-costs">
        {(detail.data?.campaign.costs ?? []).map((cost) => (
          <li key={cost.id} className="campaign-row">
            <span>
              {cost.incurredOn} · {costKinds.find((option) => option.value === cost.kind)?.label} · {cost.description}:{" "}
              <strong>
                {cost.amount} {campaign.currency}
              </strong>
            </span>
            {canManage ? (
              <Button
                variant="ghost"
                onClick={() => remove.mutate(cost.id)}
                aria-label={`Delete cost ${cost.description}`}
              >
                Delete
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
      {canManage ? (
        <form className="campaign-row" onSubmit={onSubmit} noValidate>
          <SelectField
            label="Kind"
            name="costKind"
            value={kind}
            onChange={(event) => setKind(event.target.value as CostKind)}
          >
            {costKinds.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </SelectField>
          <Field
            label="Description"
            name="costDescription"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            error={fieldError(add.error, "description")}
          />
          <Field
            label={`Amount (${campaign.currency})`}
            name="costAmount"
            inputMode="decimal"
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
            error={fieldError(add.error, "amount")}
          />
          <Field
            label="Date"
            name="incurredOn"
            type="date"
            value={incurredOn}
            onChange={(event) => setIncurredOn(event.target.value)}
            error={fieldError(add.error, "incurredOn")}
          />
          <Button type="submit" busy={add.isPending} disabled={!description.trim() || !amount}>
            Add cost
          </Button>
          <FormError error={add.error ?? remove.error} fields={["description", "amount", "incurredOn"]} />
        </form>
      ) : null}
    </div>
  );
}

function CampaignCard({ campaign, canManage }: { campaign: Campaign; canManage: boolean }) {
  const [editing, setEditing] = useState(false);
  return (
    <Card title={campaign.name}>
      {editing ? (
        <CampaignForm campaign={campaign} onDone={() => setEditing(false)} />
      ) : (
        <div className="campaign-row">
          <span className="small">
            {campaign.startsOn} – {campaign.endsOn ?? "open"} · {campaign.postCount} posts · cost{" "}
            <strong>
              {campaign.totalCost} {campaign.currency}
            </strong>
            {campaign.goal ? ` · goal: ${campaign.goal.target} ${campaign.goal.kind}` : ""} · utm_campaign=
            <code>{campaign.slug}</code>
          </span>
          {canManage ? (
            <Button variant="secondary" onClick={() => setEditing(true)}>
              Edit
            </Button>
          ) : null}
        </div>
      )}
      <Costs campaign={campaign} canManage={canManage} />
      <CampaignRoi campaignId={campaign.id} />
    </Card>
  );
}

export function CampaignsPage() {
  const { activeOrganization } = useSession();
  const canManage = can(activeOrganization!.role, "campaigns:manage");
  const campaigns = useQuery({ queryKey: ["campaigns"], queryFn: () => api("GET", "/api/campaigns") });
  return (
    <>
      <PageHeader
        title="Campaigns"
        description="Group posts into campaigns with dates, a goal and what they cost; their links carry the campaign in utm_campaign."
      />
      {canManage ? (
        <Card title="New campaign">
          <CampaignForm onDone={() => undefined} />
        </Card>
      ) : null}
      {campaigns.data?.campaigns.length === 0 ? <p className="small">No campaigns yet.</p> : null}
      {(campaigns.data?.campaigns ?? []).map((campaign) => (
        <CampaignCard key={campaign.id} campaign={campaign} canManage={canManage} />
      ))}
    </>
  );
}
