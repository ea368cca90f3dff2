import { createHmac, randomBytes } from "node:crypto";

/**
 * Webhook signing as the Standard Webhooks specification has it
 * (https://www.standardwebhooks.com/, https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md),
 * the scheme Svix and others converge on, so receivers may verify with its libraries:
 * - the secret is `whsec_` + base64 of 32 random bytes; the HMAC key is those bytes;
 * - the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, the timestamp in seconds;
 * - `webhook-signature` is `v1,` + base64 of its HMAC-SHA256 (space-separated when several).
 */
const SECRET_PREFIX = "whsec_";

export const newWebhookSecret = () => `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;

export function webhookSignature(secret: string, message: { id: string; timestamp: number; body: string }): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  const signed = `${message.id}.${message.timestamp}.${message.body}`;
  return `v1,${createHmac("sha256", key).update(signed).digest("base64")}`;
}
