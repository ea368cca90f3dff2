import type { FastifyReply } from "fastify";
import type { AppContext } from "../context.js";
import { SESSION_COOKIE } from "./sessions.js";

export function setSessionCookie(reply: FastifyReply, context: AppContext, secret: string, expiresAt: Date) {
  reply.setCookie(SESSION_COOKIE, secret, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: context.publicUrl().protocol === "https:",
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
}
