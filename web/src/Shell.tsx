import { useMutation } from "@tanstack/react-query";
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { api, can, roleLabels, type Role } from "./api";
import { AlertBell } from "./components/AlertBell";
import { NoAccess } from "./components/NoAccess";
import { Avatar, Logo } from "./components/ui";
import { useResetSession, useSession } from "./session";

type Permission = Parameters<typeof can>[1];

/**
 * What each page needs, from the same role table the API enforces: a page reached by its address
 * without the permission says so instead of showing the API's refusal as an empty list.
 */
const pageAccess: Record<string, { permission: Permission; what: string }> = {
  "/compose": { permission: "posts:create", what: "posting" },
  "/posts": { permission: "posts:create", what: "the posts of this organization" },
  "/calendar": { permission: "posts:create", what: "the posts of this organization" },
  "/social-media": { permission: "connections:view", what: "the social accounts of this organization" },
  "/platform-health": { permission: "connections:view", what: "platform health" },
  "/team": { permission: "members:view", what: "the team" },
  "/alerts": { permission: "alerts:view", what: "alerts" },
  "/webhooks": { permission: "webhooks:view", what: "webhooks" },
  "/api-keys": { permission: "apikeys:manage", what: "API keys" },
  "/audit": { permission: "audit:view", what: "the audit log" },
  "/campaigns": { permission: "campaigns:view", what: "campaigns" },
  "/reports": { permission: "reports:view", what: "reports" },
  "/conversions": { permission: "analytics:view", what: "conversion tracking" },
};

function PageOrNoAccess({ role }: { role: Role }) {
  const { pathname } = useLocation();
  const access = pageAccess[pathname];
  return access && !can(role, access.permission) ? <NoAccess what={access.what} /> : <Outlet />;
}

function OrganizationSwitcher() {
  const { organizations, activeOrganization } = useSession();
  const navigate = useNavigate();
  const reset = useResetSession();
  const switchTo = useMutation({
    mutationFn: (organizationId: string) => api("PUT", "/api/auth/session/organization", { body: { organizationId } }),
    onSuccess: () => {
      reset();
      navigate("/");
    },
  });
  return (
    <div className="org-switcher">
      <label htmlFor="organization-switcher" className="sidebar-label">
        Organization
      </label>
      <select
        id="organization-switcher"
        value={activeOrganization?.id ?? ""}
        disabled={switchTo.isPending}
        onChange={(event) => {
          if (event.target.value === "new") navigate("/organizations/new");
          else switchTo.mutate(event.target.value);
        }}
      >
        {organizations.map((organization) => (
          <option key={organization.id} value={organization.id}>
            {organization.name}
          </option>
        ))}
        <option value="new">+ New organization…</option>
      </select>
    </div>
  );
}

export function Shell() {
  const { user, activeOrganization } = useSession();
  const navigate = useNavigate();
  const reset = useResetSession();
  const signOut = useMutation({
    mutationFn: () => api("POST", "/api/auth/logout"),
    onSuccess: () => {
      reset();
      navigate("/login");
    },
  });
  if (!activeOrganization) return <Navigate to="/organizations/new" replace />;
  const role = activeOrganization.role;

  return (
    <div className="shell">
      <a
        className="skip-link"
        href="#main-content"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById("main-content")?.focus();
        }}
      >
        Skip to content
      </a>
      <aside className="sidebar">
        <Logo />
        <OrganizationSwitcher />
        <nav className="nav">
          <NavLink to="/" end>
            <span className="nav-icon" aria-hidden>
              ◎
            </span>{" "}
            Overview
          </NavLink>
          {can(role, "posts:create") ? (
            <NavLink to="/compose">
              <span className="nav-icon" aria-hidden>
                ✎
              </span>{" "}
              Compose
            </NavLink>
          ) : null}
          {can(role, "posts:create") ? (
            <NavLink to="/posts">
              <span className="nav-icon" aria-hidden>
                ▤
              </span>{" "}
              Posts
            </NavLink>
          ) : null}
          {can(role, "posts:create") ? (
            <NavLink to="/calendar">
              <span className="nav-icon" aria-hidden>
                ▦
              </span>{" "}
              Calendar
            </NavLink>
          ) : null}
          {can(role, "posts:create") ? (
            <NavLink to="/media">
              <span className="nav-icon" aria-hidden>
                ▣
              </span>{" "}
              Media
            </NavLink>
          ) : null}
          {can(role, "analytics:view") ? (
            <NavLink to="/analytics">
              <span className="nav-icon" aria-hidden>
                ↗
              </span>{" "}
              Analytics
            </NavLink>
          ) : null}
          {can(role, "campaigns:view") ? (
            <NavLink to="/campaigns">
              <span className="nav-icon" aria-hidden>
                ◆
              </span>{" "}
              Campaigns
            </NavLink>
          ) : null}
          {can(role, "reports:view") ? (
            <NavLink to="/reports">
              <span className="nav-icon" aria-hidden>
                ▤
              </span>{" "}
              Reports
            </NavLink>
          ) : null}
          {can(role, "connections:view") ? (
            <NavLink to="/social-media">
              <span className="nav-icon" aria-hidden>
                ✦
              </span>{" "}
              Social accounts
            </NavLink>
          ) : null}
          {can(role, "connections:view") ? (
            <NavLink to="/platform-health">
              <span className="nav-icon" aria-hidden>
                ♥
              </span>{" "}
              Platform health
            </NavLink>
          ) : null}
          {can(role, "members:view") ? (
            <NavLink to="/team">
              <span className="nav-icon" aria-hidden>
                ☺
              </span>{" "}
              Team
            </NavLink>
          ) : null}
          {can(role, "alerts:view") ? (
            <NavLink to="/alerts">
              <span className="nav-icon" aria-hidden>
                !
              </span>{" "}
              Alerts
            </NavLink>
          ) : null}
          {can(role, "webhooks:view") ? (
            <NavLink to="/webhooks">
              <span className="nav-icon" aria-hidden>
                ⇄
              </span>{" "}
              Webhooks
            </NavLink>
          ) : null}
          {can(role, "analytics:view") ? (
            <NavLink to="/conversions">
              <span className="nav-icon" aria-hidden>
                $
              </span>{" "}
              Conversions
            </NavLink>
          ) : null}
          {can(role, "apikeys:manage") ? (
            <NavLink to="/api-keys">
              <span className="nav-icon" aria-hidden>
                ¤
              </span>{" "}
              API keys
            </NavLink>
          ) : null}
          {can(role, "audit:view") ? (
            <NavLink to="/audit">
              <span className="nav-icon" aria-hidden>
                ≡
              </span>{" "}
              Audit log
            </NavLink>
          ) : null}
        </nav>
        <div className="sidebar-footer">
          <Avatar name={user.name} />
          <div className="sidebar-user">
            <strong>{user.name}</strong>
            <span className="muted small">{roleLabels[role]}</span>
          </div>
          <button className="link-button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </button>
        </div>
      </aside>
      <main className="content" id="main-content" tabIndex={-1}>
        <div className="topbar">
          <AlertBell role={role} organizationId={activeOrganization.id} />
        </div>
        <PageOrNoAccess role={role} />
      </main>
    </div>
  );
}
