import {
  useState,
  type ButtonHTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from "react";
import { ApiError, roleLabels, type Role } from "../api";

export function Button({
  variant = "primary",
  busy = false,
  children,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: "primary" | "secondary" | "danger" | "ghost";
  busy?: boolean;
}) {
  return (
    <button className={`button button-${variant}`} disabled={busy || props.disabled} {...props}>
      {busy ? <span className="spinner" aria-hidden /> : null}
      {children}
    </button>
  );
}

/** The field an API error names, so each input can show its own message. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError && error.field === field ? error.message : undefined;
}

export function Field({
  label,
  hint,
  error,
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string; error?: string }) {
  const id = props.id ?? props.name;
  const noteId = `${id}-note`;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <input id={id} aria-invalid={Boolean(error)} aria-describedby={error || hint ? noteId : undefined} {...props} />
      {error ? (
        <span id={noteId} className="field-error">
          {error}
        </span>
      ) : hint ? (
        <span id={noteId} className="field-hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}

export function SelectField({
  label,
  children,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; children: ReactNode }) {
  const id = props.id ?? props.name;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <select id={id} {...props}>
        {children}
      </select>
    </div>
  );
}

/** An error no single field owns, said in the API's words. */
export function FormError({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError && error.field && fields.includes(error.field)) return null;
  const message = error instanceof Error ? error.message : "Something went wrong.";
  return (
    <div className="alert alert-error" role="alert">
      {message}
    </div>
  );
}

export function RoleBadge({ role }: { role: Role }) {
  return <span className={`badge badge-role-${role.toLowerCase()}`}>{roleLabels[role]}</span>;
}

export function Avatar({ name }: { name: string }) {
  const initials = name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join("");
  let hue = 0;
  for (const character of name) hue = (hue * 31 + character.charCodeAt(0)) % 360;
  return (
    <span className="avatar" style={{ background: `hsl(${hue} 55% 88%)`, color: `hsl(${hue} 45% 30%)` }} aria-hidden>
      {initials || "?"}
    </span>
  );
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: string;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description ? <p className="muted">{description}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function Card({ title, actions, children }: { title?: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="card">
      {title || actions ? (
        <div className="card-header">
          {title ? <h2>{title}</h2> : <span />}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function CopyButton({ text, label = "Copy link" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      type="button"
      variant="secondary"
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => undefined);
        setCopied(true);
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      {copied ? "Copied" : label}
    </Button>
  );
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const steps: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 30],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "3 minutes ago", "in 6 days": with the exact local time in the tooltip. */
export function RelativeTime({ at }: { at: string }) {
  const date = new Date(at);
  let value = (date.getTime() - Date.now()) / 1000;
  let unit: Intl.RelativeTimeFormatUnit = "second";
  for (const [name, size] of steps) {
    unit = name;
    if (Math.abs(value) < size) break;
    value /= size;
  }
  return (
    <time dateTime={at} title={date.toLocaleString()}>
      {relative.format(Math.round(value), unit)}
    </time>
  );
}

export function Spinner() {
  return (
    <div className="center-fill">
      <span className="spinner spinner-large" aria-label="Loading" />
    </div>
  );
}

/** The product's mark and name; `light` sits on the coloured sign-in panel. */
export function Logo({ light = false }: { light?: boolean }) {
  return (
    <div className={light ? "logo logo-light" : "logo"}>
      <svg viewBox="0 0 32 32" width={light ? 32 : 28} height={light ? 32 : 28} aria-hidden>
        <rect width="32" height="32" rx="8" fill={light ? "#fff" : "currentColor"} fillOpacity={light ? 0.15 : 1} />
        <path
          d="M8 21l5-9 4 6 3-4 4 7"
          fill="none"
          stroke="#fff"
          strokeWidth="2.5"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
      <span>
        MarketSage <strong>Social</strong>
      </span>
    </div>
  );
}
