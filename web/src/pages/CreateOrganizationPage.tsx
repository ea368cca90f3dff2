import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../api";
import { Button, Field, fieldError, FormError } from "../components/ui";
import { useResetSession, useSession } from "../session";
import { AuthLayout } from "./AuthPage";

export function CreateOrganizationPage() {
  const { user, organizations } = useSession();
  const [name, setName] = useState("");
  const navigate = useNavigate();
  const reset = useResetSession();
  const create = useMutation({
    mutationFn: () => api("POST", "/api/organizations", { body: { name } }),
    onSuccess: () => {
      reset();
      navigate("/");
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <AuthLayout>
      <form className="auth-card" onSubmit={onSubmit} noValidate>
        <p className="eyebrow">Hi {user.name.split(" ")[0]}</p>
        <h1>Create an organization</h1>
        <p className="muted">
          An organization holds your team, your connected accounts and your posts. You'll be its admin and can invite
          the rest of your team next.
        </p>
        <Field
          label="Organization name"
          name="organizationName"
          placeholder="e.g. Northwind Marketing"
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={fieldError(create.error, "name")}
          autoFocus
        />
        <FormError error={create.error} fields={["name"]} />
        <Button type="submit" busy={create.isPending}>
          Create organization
        </Button>
        {organizations.length > 0 ? (
          <p className="small center">
            <Link to="/">Back to the dashboard</Link>
          </p>
        ) : null}
      </form>
    </AuthLayout>
  );
}
