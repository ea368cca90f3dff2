import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { api, can } from "../api";
import { AccountPicker } from "../components/AccountPicker";
import { PlatformCard } from "../components/PlatformCard";
import { PostingSlots } from "../components/slots/PostingSlots";
import { Card, PageHeader } from "../components/ui";
import { useSession } from "../session";

export function SocialMediaPage() {
  const { activeOrganization } = useSession();
  const role = activeOrganization!.role;
  const [params, setParams] = useSearchParams();
  const platforms = useQuery({
    queryKey: ["platforms"],
    queryFn: () => api("GET", "/api/social-media/platforms"),
  });
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => api("GET", "/api/social-media/connections"),
  });
  const [notice, setNotice] = useState<string | null>(null);

  const grantId = params.get("choose");
  const error = params.get("error");
  const connectedCount = params.get("connected");
  const platformName =
    platforms.data?.platforms.find((platform) => platform.id === params.get("platform"))?.name ?? "the platform";
  const clearParams = () => setParams({}, { replace: true });
  const list = connections.data?.connections ?? [];
  const unhealthy = list.filter((connection) => connection.status !== "healthy").length;

  return (
    <>
      <PageHeader
        title="Social accounts"
        description="Connect your organization's own accounts. Tokens are encrypted with your organization's key and never shown, not even to admins."
      />
      {connectedCount ? (
        <div className="alert alert-success" role="status">
          <span>
            Connected {connectedCount} {platformName} {connectedCount === "1" ? "account" : "accounts"}.
          </span>
          <button className="link-button" onClick={clearParams}>
            Dismiss
          </button>
        </div>
      ) : null}
      {notice ? (
        <div className="alert alert-success" role="status">
          <span>{notice}</span>
          <button className="link-button" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {error ? (
        <div className="alert alert-error" role="alert">
          <strong>Could not connect {platformName}.</strong> {params.get("message") ?? "Please try again."}{" "}
          <button className="link-button" onClick={clearParams}>
            Dismiss
          </button>
        </div>
      ) : null}
      {list.length > 0 ? (
        <p className="muted">
          {list.length} connected {list.length === 1 ? "account" : "accounts"}
          {unhealthy ? ` · ${unhealthy} need${unhealthy === 1 ? "s" : ""} attention` : " · all healthy"}
        </p>
      ) : null}
      <div className="platform-grid">
        {platforms.data?.platforms.map((platform) => (
          <PlatformCard
            key={platform.id}
            platform={platform}
            connections={list.filter((connection) => connection.platform === platform.id)}
            canConnect={can(role, "connections:connect")}
            canManage={can(role, "tokens:manage")}
          />
        ))}
      </div>
      {grantId ? (
        <AccountPicker
          grantId={grantId}
          onDone={(count) => {
            clearParams();
            if (count > 0) setNotice(`Connected ${count} ${count === 1 ? "account" : "accounts"}.`);
          }}
        />
      ) : null}
      <PostingSlots connections={list} canEdit={can(role, "slots:manage")} />
      <Card>
        <p className="muted small">
          Accounts are checked every 15 minutes and tokens are renewed before they expire. Problems appear here and in
          the audit log.
        </p>
      </Card>
    </>
  );
}
