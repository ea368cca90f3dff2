import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { api, roleDescriptions, roleLabels } from "../api";
import { Button, FormError, Spinner } from "../components/ui";
import { useMe, useResetSession } from "../session";
import { AuthLayout } from "./AuthPage";

export function InvitePage() {
  const { token = "" } = useParams();
  const navigate = useNavigate();
  const reset = useResetSession();
  const me = useMe();
  const preview = useQuery({
    queryKey: ["invitation", token],
    queryFn: () => api("GET", "/api/invitations/{token}", { path: { token } }),
  });
  const accept = useMutation({
    mutationFn: () => api("POST", "/api/invitations/{token}/accept", { path: { token } }),
    onSuccess: () => {
      reset();
      navigate("/");
    },
  });

  if (preview.isPending || me.isPending) return <Spinner />;
  const here = `/invite/${token}`;

  return (
    <AuthLayout>
      <div className="auth-card">
        {preview.error ? (
          <>
            <h1>Invitation not found</h1>
            <p className="muted">This link is not valid. Ask the person who invited you for a new one.</p>
          </>
        ) : (
          (() => {
            const invitation = preview.data!.invitation;
            if (invitation.status !== "pending") {
              return (
                <>
                  <h1>This invitation is {invitation.status}</h1>
                  <p className="muted">Ask an ADMIN of {invitation.organizationName} for a new link.</p>
                </>
              );
            }
            return (
              <>
                <p className="eyebrow">You're invited</p>
                <h1>Join {invitation.organizationName}</h1>
                <p className="muted">
                  {invitation.invitedBy ? `${invitation.invitedBy} invited ` : "You were invited as "}
                  <strong>{invitation.email}</strong> as <strong>{roleLabels[invitation.role]}</strong>:{" "}
                  {roleDescriptions[invitation.role].toLowerCase()}.
                </p>
                {me.data ? (
                  <>
                    <p className="small muted">Signed in as {me.data.user.email}.</p>
                    <FormError error={accept.error} />
                    <Button onClick={() => accept.mutate()} busy={accept.isPending}>
                      Accept and join
                    </Button>
                  </>
                ) : (
                  <div className="stack">
                    <Link
                      className="button button-primary"
                      to={`/signup?next=${encodeURIComponent(here)}&email=${encodeURIComponent(invitation.email)}`}
                    >
                      Create an account to join
                    </Link>
                    <Link
                      className="button button-secondary"
                      to={`/login?next=${encodeURIComponent(here)}&email=${encodeURIComponent(invitation.email)}`}
                    >
                      I already have an account
                    </Link>
                  </div>
                )}
              </>
            );
          })()
        )}
      </div>
    </AuthLayout>
  );
}
