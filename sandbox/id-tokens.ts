import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";

/**
 * OpenID Connect ID tokens as Google and LinkedIn sign them: RS256, with the public key served
 * as a JWKS at the platform's own path. The key pair is made when the sandbox starts, so a
 * client can only verify a token against the keys it fetched from this sandbox.
 * https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */

const ID_TOKEN_SECONDS = 3_600;

let keys: { privateKey: KeyObject; publicKey: KeyObject; kid: string } | undefined;

function signingKeys() {
  keys ??= { ...generateKeyPairSync("rsa", { modulusLength: 2048 }), kid: randomBytes(8).toString("hex") };
  return keys;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * The issuer the platform names itself by, for the sandbox where it is served: the platform's
 * root (the base URL a client is configured with) plus the platform's issuer path.
 */
export function issuerFor(request: FastifyRequest, prefix: string, issuerPath = ""): string {
  return `${request.protocol}://${request.host}${prefix}${issuerPath}`;
}

export function signIdToken(options: {
  issuer: string;
  audience: string;
  subject: string;
  now: number;
  claims?: Record<string, unknown>;
}): string {
  const { privateKey, kid } = signingKeys();
  const iat = Math.floor(options.now / 1000);
  const header = base64url({ alg: "RS256", typ: "JWT", kid });
  const payload = base64url({
    iss: options.issuer,
    aud: options.audience,
    sub: options.subject,
    iat,
    exp: iat + ID_TOKEN_SECONDS,
    ...options.claims,
  });
  const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

/** The JSON Web Key Set at the platform's published path. */
export function registerJwks(app: FastifyInstance, path: string) {
  app.get(path, async () => {
    const { publicKey, kid } = signingKeys();
    return { keys: [{ ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" }] };
  });
}
