import { useMutation } from "@tanstack/react-query";
import { Fragment } from "react";
import { platformProfiles } from "../../../src/platforms/profiles";
import type { Connection, PlatformInfo } from "../api";
import { BotConnectForm } from "./BotConnectForm";
import { ConnectionRow, startConnect } from "./ConnectionRow";
import { PlatformMark } from "./PlatformMark";
import { Button, FormError } from "./ui";

/** One platform: its connected accounts, and how to connect another (or what the server lacks for it). */
export function PlatformCard({
  platform,
  connections,
  canConnect,
  canManage,
}: {
  platform: PlatformInfo;
  connections: Connection[];
  canConnect: boolean;
  canManage: boolean;
}) {
  const connect = useMutation({ mutationFn: (variant?: string) => startConnect(platform.id, variant) });
  const profile = platformProfiles[platform.id];
  // A platform with several apps is usable when any of them is: each choice says what it lacks.
  return (
    <section className="card platform-card" aria-label={platform.name} data-testid={`platform-${platform.id}`}>
      <div className="platform-header">
        <PlatformMark platform={platform.id} />
        <div>
          <h2>
            {platform.name}
            {platform.mode === "sandbox" ? (
              <span
                className="badge badge-sandbox"
                title="A local emulator of the platform: nothing is posted for real."
              >
                Sandbox
              </span>
            ) : null}
          </h2>
          <p className="muted small">{profile.presentation.blurb}</p>
        </div>
      </div>
      {connections.length > 0 ? (
        <ul className="connections">
          {connections.map((connection) => (
            <ConnectionRow key={connection.id} connection={connection} canManage={canManage} />
          ))}
        </ul>
      ) : null}
      {platform.mode === "unavailable" && platform.variants.every((variant) => variant.mode === "unavailable") ? (
        <div className="callout">
          Not configured on this server. Set{" "}
          {platform.missingVariables.map((variable, index) => (
            <Fragment key={variable}>
              {index > 0 ? " and " : null}
              <code>{variable}</code>
            </Fragment>
          ))}
          {platform.redirectUri ? (
            <>
              , and register <code className="link-box">{platform.redirectUri}</code> as the app's redirect URI.
            </>
          ) : (
            "."
          )}
        </div>
      ) : canConnect ? (
        profile.bot ? (
          <BotConnectForm platform={platform} form={profile.bot} />
        ) : platform.variants.length > 0 ? (
          <div className="connect-variants">
            <FormError error={connect.error} />
            {platform.variants.map((variant) => (
              <div key={variant.id} className="connect-variant" data-testid={`connect-${platform.id}-${variant.id}`}>
                {variant.mode === "unavailable" ? (
                  <p className="muted small">
                    {variant.label}: set{" "}
                    {variant.missingVariables.map((variable, index) => (
                      <Fragment key={variable}>
                        {index > 0 ? " and " : null}
                        <code>{variable}</code>
                      </Fragment>
                    ))}
                    .
                  </p>
                ) : (
                  <Button
                    variant={connections.length ? "secondary" : "primary"}
                    onClick={() => connect.mutate(variant.id)}
                    busy={connect.isPending && connect.variables === variant.id}
                  >
                    Connect {variant.label}
                  </Button>
                )}
                <p className="muted small">{variant.description}</p>
              </div>
            ))}
          </div>
        ) : (
          <div>
            <FormError error={connect.error} />
            <Button
              variant={connections.length ? "secondary" : "primary"}
              onClick={() => connect.mutate(undefined)}
              busy={connect.isPending}
            >
              {connections.length ? "Connect another account" : `Connect ${platform.name}`}
            </Button>
          </div>
        )
      ) : null}
    </section>
  );
}
