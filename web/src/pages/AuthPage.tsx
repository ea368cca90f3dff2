import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { platformProfiles } from "../../../src/platforms/profiles";
import { api } from "../api";
import { Button, Field, fieldError, FormError, Logo } from "../components/ui";
import { useMe, useResetSession } from "../session";

const names = Object.values(platformProfiles).map((profile) => profile.name);
const platformNames = `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;

/** Only paths inside the app, so a crafted ?next= cannot send people elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="auth">
      <section className="auth-brand">
        <Logo light />
        <h2>Every channel, one calm workspace.</h2>
        <p>Connect your organization's own {platformNames} accounts, then plan, publish and measure from one place.</p>
        <ul className="auth-points">
          <li>Your accounts, your tokens: encrypted with a key for your organization alone</li>
          <li>Roles (ADMIN, USER, GUEST) for each person, with every change in the audit log</li>
          <li>Open source, on your own server</li>
        </ul>
      </section>
      <section className="auth-form">{children}</section>
    </div>
  );
}

export function AuthPage({ mode }: { mode: "login" | "signup" }) {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const invited = next.startsWith("/invite/");
  const navigate = useNavigate();
  const reset = useResetSession();
  const me = useMe();
  const [form, setForm] = useState({ name: "", email: params.get("email") ?? "", password: "" });
  const submit = useMutation({
    mutationFn: () =>
      mode === "login"
        ? api("POST", "/api/auth/login", { body: { email: form.email, password: form.password } })
        : api("POST", "/api/auth/signup", { body: form }),
    onSuccess: () => {
      reset();
      navigate(next);
    },
  });
  if (me.data) return <Navigate to={next} replace />;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate();
  };
  const other = mode === "login" ? "/signup" : "/login";
  const carry = params.toString() ? `?${params.toString()}` : "";

  return (
    <AuthLayout>
      <form className="auth-card" onSubmit={onSubmit} noValidate>
        <h1>{mode === "login" ? "Welcome back" : "Create your account"}</h1>
        <p className="muted">
          {mode === "login"
            ? "Sign in to your workspace."
            : invited
              ? "Once your account exists you join the organization that invited you."
              : "Then start your organization, or join one from an invitation link."}
        </p>
        {mode === "signup" ? (
          <Field
            label="Your name"
            name="name"
            autoComplete="name"
            value={form.name}
            onChange={(event) => setForm({ ...form, name: event.target.value })}
            error={fieldError(submit.error, "name")}
            required
          />
        ) : null}
        <Field
          label="Work email"
          name="email"
          type="email"
          autoComplete="email"
          value={form.email}
          onChange={(event) => setForm({ ...form, email: event.target.value })}
          error={fieldError(submit.error, "email")}
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete={mode === "login" ? "current-password" : "new-password"}
          hint={mode === "signup" ? "At least 10 characters." : undefined}
          value={form.password}
          onChange={(event) => setForm({ ...form, password: event.target.value })}
          error={fieldError(submit.error, "password")}
          required
        />
        <FormError error={submit.error} fields={["name", "email", "password"]} />
        <Button type="submit" busy={submit.isPending}>
          {mode === "login" ? "Sign in" : "Create account"}
        </Button>
        <p className="muted small center">
          {mode === "login" ? "New here? " : "Already have an account? "}
          <Link to={`${other}${carry}`}>{mode === "login" ? "Create an account" : "Sign in"}</Link>
        </p>
      </form>
    </AuthLayout>
  );
}
