import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { BotForm } from "../../../src/platforms/profile";
import { api, type PlatformInfo } from "../api";
import { Button, Field, fieldError, FormError } from "./ui";

/** A bot platform's connect form: the organization's own bot, and the channel it posts in. */
export function BotConnectForm({ platform, form: bot }: { platform: PlatformInfo; form: BotForm }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ botToken: "", chat: "" });
  const connect = useMutation({
    mutationFn: () => api("POST", "/api/social-media/bot/{platform}", { path: { platform: platform.id }, body: form }),
    onSuccess: () => {
      setForm({ botToken: "", chat: "" });
      void queryClient.invalidateQueries({ queryKey: ["connections"] });
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    connect.mutate();
  };
  const example = platform.example;
  return (
    <form className="bot-form" onSubmit={onSubmit} noValidate>
      <p className="muted small">{bot.instructions}</p>
      <Field
        label="Bot token"
        name="botToken"
        placeholder={bot.token.example}
        autoComplete="off"
        value={form.botToken}
        onChange={(event) => setForm({ ...form, botToken: event.target.value })}
        error={fieldError(connect.error, "botToken")}
      />
      <Field
        label="Channel"
        name="chat"
        placeholder={bot.chat.example}
        value={form.chat}
        onChange={(event) => setForm({ ...form, chat: event.target.value })}
        error={fieldError(connect.error, "chat")}
      />
      <FormError error={connect.error} fields={["botToken", "chat"]} />
      <div className="row">
        <Button type="submit" busy={connect.isPending}>
          Connect channel
        </Button>
        {example ? (
          <button
            type="button"
            className="link-button"
            onClick={() => setForm({ botToken: example.botToken, chat: example.channel })}
          >
            Use the sandbox demo bot
          </button>
        ) : null}
      </div>
    </form>
  );
}
