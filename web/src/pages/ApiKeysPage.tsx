import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, roleLabels, type ApiKey, type ApiKeyRole } from "../api";
import {
  Button,
  Card,
  CopyButton,
  Field,
  fieldError,
  FormError,
  PageHeader,
  RelativeTime,
  SelectField,
} from "../components/ui";

const keyRoles: { value: ApiKeyRole; description: string }[] = [
  { value: "USER", description: "Posts, uploads media, reads accounts, posts and analytics" },
  { value: "ADMIN", description: "Everything an admin can do through the API, webhooks and members included" },
];

const lifetimes = [
  { value: "", label: "Never expires" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
];

/** The key as the server answered it, this once: the page forgets it when it is closed. */
function NewKeyNotice({ secret, onClose }: { secret: string; onClose: () => void }) {
  return (
    <div className="alert alert-success" role="status">
      <div>
        <strong>Copy the key now: it will not be shown again.</strong> Anyone holding it acts on this organization with
        its role, so keep it where your secrets live, never in code or a shared document. Send it as{" "}
        <code>Authorization: Bearer …</code>.
        <code className="link-box" data-testid="new-api-key">
          {secret}
        </code>
      </div>
      <div className="row nowrap">
        <CopyButton text={secret} label="Copy key" />
        <Button variant="ghost" onClick={onClose}>
          Done
        </Button>
      </div>
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (secret: string) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<ApiKeyRole>("USER");
  const [lifetime, setLifetime] = useState("90");
  const create = useMutation({
    mutationFn: () =>
      api("POST", "/api/organization/api-keys", {
        body: {
          name,
          role,
          expiresAt: lifetime ? new Date(Date.now() + Number(lifetime) * 86_400_000).toISOString() : undefined,
        },
      }),
    onSuccess: (answer) => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: ["api-keys"] });
      onCreated(answer.secret);
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <Field
        label="Name"
        name="apiKeyName"
        placeholder="What uses it: CMS publisher, n8n, nightly script…"
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={fieldError(create.error, "name")}
      />
      <SelectField
        label="Role"
        name="apiKeyRole"
        value={role}
        onChange={(event) => setRole(event.target.value as ApiKeyRole)}
      >
        {keyRoles.map((option) => (
          <option key={option.value} value={option.value}>
            {roleLabels[option.value]}: {option.description}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Expires"
        name="apiKeyLifetime"
        value={lifetime}
        onChange={(event) => setLifetime(event.target.value)}
      >
        {lifetimes.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </SelectField>
      <FormError error={create.error} fields={["name"]} />
      <div className="row">
        <Button type="submit" busy={create.isPending} disabled={!name.trim()}>
          Create key
        </Button>
      </div>
    </form>
  );
}

function KeyRow({ apiKey }: { apiKey: ApiKey }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => api("DELETE", "/api/organization/api-keys/{id}", { path: { id: apiKey.id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  const expired = apiKey.expiresAt !== null && Date.parse(apiKey.expiresAt) <= Date.now();
  const state = apiKey.revokedAt ? "Revoked" : expired ? "Expired" : "Active";
  return (
    <tr data-testid={`api-key-${apiKey.id}`}>
      <td data-label="Key">
        <div>
          <strong>{apiKey.name}</strong>
          <div>
            <code>{apiKey.prefix}…</code>
          </div>
        </div>
      </td>
      <td data-label="Role">{roleLabels[apiKey.role]}</td>
      <td data-label="Created">
        <div>
          <RelativeTime at={apiKey.createdAt} />
          <div className="muted small">by {apiKey.createdBy.email}</div>
        </div>
      </td>
      <td data-label="Expires">{apiKey.expiresAt ? <RelativeTime at={apiKey.expiresAt} /> : "Never"}</td>
      <td data-label="Last used">
        {apiKey.lastUsedAt ? (
          <div>
            <RelativeTime at={apiKey.lastUsedAt} />
            <div className="muted small">from {apiKey.lastUsedIp}</div>
          </div>
        ) : (
          <span className="muted">Never</span>
        )}
      </td>
      <td data-label="State">
        <div>
          <span className={`status ${state === "Active" ? "status-healthy" : "status-invalid"}`}>{state}</span>
          {apiKey.revokedAt && apiKey.revokedByEmail ? (
            <div className="muted small">by {apiKey.revokedByEmail}</div>
          ) : null}
        </div>
      </td>
      <td className="actions">
        {state !== "Revoked" ? (
          <Button
            variant="ghost"
            busy={revoke.isPending}
            onClick={() => {
              if (window.confirm(`Revoke the key “${apiKey.name}”? Whatever uses it is refused from its next request.`))
                revoke.mutate();
            }}
          >
            Revoke
          </Button>
        ) : null}
        <FormError error={revoke.error} />
      </td>
    </tr>
  );
}

/** The organization's API keys: for scripts, a CMS or an automation tool to call the API. ADMIN and above. */
export function ApiKeysPage() {
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string>();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: () => api("GET", "/api/organization/api-keys") });
  const list = keys.data?.apiKeys ?? [];

  return (
    <>
      <PageHeader
        title="API keys"
        description="Let your CMS, automation tools and scripts publish through the API, without a browser session."
        actions={
          !creating ? (
            <Button
              onClick={() => {
                setCreating(true);
                setSecret(undefined);
              }}
            >
              Create key
            </Button>
          ) : null
        }
      />
      <div className="stack">
        {secret ? <NewKeyNotice secret={secret} onClose={() => setSecret(undefined)} /> : null}
        {creating ? (
          <Card
            title="New API key"
            actions={
              <Button variant="ghost" onClick={() => setCreating(false)}>
                Cancel
              </Button>
            }
          >
            <CreateKeyForm
              onCreated={(created) => {
                setCreating(false);
                setSecret(created);
              }}
            />
          </Card>
        ) : null}
        <Card title="Keys">
          <FormError error={keys.error} />
          {keys.isPending ? (
            <p className="muted">Loading…</p>
          ) : list.length === 0 ? (
            <p className="muted empty">No API keys yet. Create one for each tool, so each can be revoked alone.</p>
          ) : (
            <div className="table-scroll">
              <table className="table errors-table">
                <thead>
                  <tr>
                    <th>Key</th>
                    <th>Role</th>
                    <th>Created</th>
                    <th>Expires</th>
                    <th>Last used</th>
                    <th>State</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((apiKey) => (
                    <KeyRow key={apiKey.id} apiKey={apiKey} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}
