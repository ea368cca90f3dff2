import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, membershipRoles, can, roleDescriptions, roleLabels, type Member, type MembershipRole } from "../api";
import {
  Avatar,
  Button,
  Card,
  CopyButton,
  Field,
  fieldError,
  FormError,
  PageHeader,
  RelativeTime,
  RoleBadge,
  SelectField,
} from "../components/ui";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { OrganizationLogoCard } from "../components/OrganizationLogoCard";
import { useSession } from "../session";

function InviteForm() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MembershipRole>("USER");
  const invite = useMutation({
    mutationFn: () => api("POST", "/api/organization/invitations", { body: { email, role } }),
    onSuccess: () => {
      setEmail("");
      void queryClient.invalidateQueries({ queryKey: ["invitations"] });
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <form className="invite-form" onSubmit={onSubmit} noValidate>
      <Field
        label="Email"
        name="inviteEmail"
        type="email"
        placeholder="colleague@company.com"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        error={fieldError(invite.error, "email")}
      />
      <SelectField
        label="Role"
        name="inviteRole"
        value={role}
        onChange={(event) => setRole(event.target.value as MembershipRole)}
      >
        {membershipRoles.map((option) => (
          <option key={option} value={option}>
            {roleLabels[option]}
          </option>
        ))}
      </SelectField>
      <Button type="submit" busy={invite.isPending}>
        Send invitation
      </Button>
      <p className="field-hint invite-hint">
        {roleLabels[role]}: {roleDescriptions[role].toLowerCase()}.
      </p>
      <FormError error={invite.error} fields={["email"]} />
      {invite.data ? (
        <div className="alert alert-success" role="status">
          <div>
            Invitation created for <strong>{invite.data.invitation.email}</strong>. Send them this link:
            <code className="link-box">{invite.data.invitation.url}</code>
          </div>
          <CopyButton text={invite.data.invitation.url} />
        </div>
      ) : null}
    </form>
  );
}

function PendingInvitations() {
  const queryClient = useQueryClient();
  const invitations = useQuery({
    queryKey: ["invitations"],
    queryFn: () => api("GET", "/api/organization/invitations"),
  });
  const revoke = useMutation({
    mutationFn: (id: string) =>
      api("DELETE", "/api/organization/invitations/{invitationId}", { path: { invitationId: id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["invitations"] }),
  });
  const list = invitations.data?.invitations ?? [];
  if (list.length === 0) return <p className="muted">No pending invitations.</p>;
  return (
    <table className="table stack-table">
      <thead>
        <tr>
          <th>Email</th>
          <th>Role</th>
          <th>Invited by</th>
          <th>Expires</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {list.map((invitation) => (
          <tr key={invitation.id}>
            <td data-label="Email">{invitation.email}</td>
            <td data-label="Role">
              <RoleBadge role={invitation.role} />
            </td>
            <td className="muted" data-label="Invited by">
              {invitation.invitedBy ?? "—"}
            </td>
            <td className="muted" data-label="Expires">
              <RelativeTime at={invitation.expiresAt} />
            </td>
            <td className="actions">
              <CopyButton text={invitation.url} />
              <Button
                variant="ghost"
                onClick={() => revoke.mutate(invitation.id)}
                busy={revoke.isPending && revoke.variables === invitation.id}
              >
                Revoke
              </Button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MemberRow({ member, canManage, isSelf }: { member: Member; canManage: boolean; isSelf: boolean }) {
  const queryClient = useQueryClient();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["members"] });
    void queryClient.invalidateQueries({ queryKey: ["me"] });
  };
  const changeRole = useMutation({
    mutationFn: (role: MembershipRole) =>
      api("PATCH", "/api/organization/members/{userId}", { path: { userId: member.userId }, body: { role } }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api("DELETE", "/api/organization/members/{userId}", { path: { userId: member.userId } }),
    onSuccess: refresh,
  });
  const [confirmingRemoval, setConfirmingRemoval] = useState(false);
  const error = changeRole.error ?? remove.error;
  return (
    <tr>
      <td>
        <div className="person">
          <Avatar name={member.name} />
          <div>
            <strong>
              {member.name} {isSelf ? <span className="muted small">(you)</span> : null}
            </strong>
            <span className="muted small">{member.email}</span>
          </div>
        </div>
        {error ? <span className="field-error">{error.message}</span> : null}
      </td>
      <td data-label="Role">
        {canManage ? (
          <select
            aria-label={`Role of ${member.email}`}
            value={member.role}
            disabled={changeRole.isPending}
            onChange={(event) => changeRole.mutate(event.target.value as MembershipRole)}
          >
            {membershipRoles.map((role) => (
              <option key={role} value={role}>
                {roleLabels[role]}
              </option>
            ))}
          </select>
        ) : (
          <RoleBadge role={member.role} />
        )}
      </td>
      <td className="muted" data-label="Joined">
        <RelativeTime at={member.joinedAt} />
      </td>
      <td className="actions">
        {canManage ? (
          <>
            <Button variant="ghost" busy={remove.isPending} onClick={() => setConfirmingRemoval(true)}>
              Remove
            </Button>
            <ConfirmDialog
              open={confirmingRemoval}
              title={`Remove ${member.name}?`}
              confirmLabel="Remove"
              busy={remove.isPending}
              onConfirm={() => remove.mutate()}
              onClose={() => setConfirmingRemoval(false)}
            >
              <p>{member.email} loses access to this organization until invited again.</p>
            </ConfirmDialog>
          </>
        ) : null}
      </td>
    </tr>
  );
}

/** One of the organization's posting switches: whether members' posts wait for approval, whether links are tracked. */
function PostingSwitch({
  setting,
  title,
  label,
  hint,
}: {
  setting: "requireApproval" | "trackLinks";
  title: string;
  label: string;
  hint: string;
}) {
  const queryClient = useQueryClient();
  const organization = useQuery({ queryKey: ["organization"], queryFn: () => api("GET", "/api/organization") });
  // The value asked for, shown from the click on: the mutation's own state reaches the page a
  // moment later, and a controlled box re-rendered with the old value in between turns back.
  const [asked, setAsked] = useState<boolean>();
  const change = useMutation({
    mutationFn: (value: boolean) => api("PATCH", "/api/organization", { body: { [setting]: value } }),
    // The answer holds the saved switches: shown at once, not after the organization is read again.
    onSuccess: (answer) => {
      queryClient.setQueryData<typeof organization.data>(["organization"], (current) =>
        current ? { organization: { ...current.organization, ...answer.organization } } : current,
      );
      return queryClient.invalidateQueries({ queryKey: ["organization"] });
    },
    onSettled: () => setAsked(undefined),
  });
  const on = organization.data?.organization[setting] ?? false;
  return (
    <Card title={title}>
      <label className="inline-check">
        <input
          type="checkbox"
          checked={asked ?? on}
          disabled={organization.isPending || asked !== undefined}
          onChange={(event) => {
            setAsked(event.target.checked);
            change.mutate(event.target.checked);
          }}
        />
        {label}
      </label>
      <p className="field-hint">{hint}</p>
      <FormError error={change.error} />
    </Card>
  );
}

export function TeamPage() {
  const { user, activeOrganization } = useSession();
  const canManage = can(activeOrganization!.role, "members:manage");
  const members = useQuery({
    queryKey: ["members"],
    queryFn: () => api("GET", "/api/organization/members"),
  });
  return (
    <>
      <PageHeader
        title="Team"
        description={
          canManage ? "Invite people, set what they may do, and remove access." : "The people in this organization."
        }
      />
      {canManage ? (
        <Card title="Invite someone">
          <InviteForm />
        </Card>
      ) : null}
      {can(activeOrganization!.role, "organization:manage") ? <OrganizationLogoCard /> : null}
      <Card title={`Members${members.data ? ` · ${members.data.members.length}` : ""}`}>
        <table className="table stack-table">
          <thead>
            <tr>
              <th>Person</th>
              <th>Role</th>
              <th>Joined</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {members.data?.members.map((member) => (
              <MemberRow key={member.userId} member={member} canManage={canManage} isSelf={member.userId === user.id} />
            ))}
          </tbody>
        </table>
      </Card>
      {can(activeOrganization!.role, "organization:manage") ? (
        <>
          <PostingSwitch
            setting="requireApproval"
            title="Approval"
            label="USERs’ posts need an ADMIN’s approval before they are scheduled"
            hint="A USER saves a draft and submits it; an ADMIN approves it from the Posts page or sends it back with a comment."
          />
          <PostingSwitch
            setting="trackLinks"
            title="Tracked links"
            label="Send links in posts as tracked short links"
            hint="Each link becomes a short link on this app’s address that counts clicks (people and bots apart) and adds UTM parameters for the platform, the campaign and the post. The app’s address must be reachable from the internet."
          />
        </>
      ) : null}
      {canManage ? (
        <Card title="Pending invitations">
          <PendingInvitations />
        </Card>
      ) : null}
    </>
  );
}
