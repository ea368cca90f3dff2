import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface Mailbox {
  /** smtp://127.0.0.1:{port}, for SMTP_URL. */
  url: string;
  received: (ParsedMail & { at: number; envelopeTo: string[] })[];
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps every message it is given, parsed. */
export async function startMailbox(): Promise<Mailbox> {
  const received: Mailbox["received"] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(
            Object.assign(mail, {
              at: Date.now(),
              envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
            }),
          );
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
