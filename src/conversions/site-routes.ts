import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "../context.js";
import { notFound } from "../errors.js";
import { AppError } from "../http/errors.js";
import { recordConversions } from "./record.js";
import { conversionAnswer, siteEventBody } from "./schemas.js";
import { siteScript } from "./site-script.js";
import { organizationOfSiteKey, SITE_SCRIPT_PATH } from "./site-key.js";

const SITE_EVENT_PATH = "/api/conversions/site";
/** Per address: a page records a conversion now and then; a flood is somebody else's. */
const siteEventRateLimit = { max: 60, timeWindow: "1 minute" };
/** The script changes with releases only: browsers may keep it for a while. */
const SCRIPT_MAX_AGE_SECONDS = 3_600;

export const CLICK_ID_PARAMETER = "msclid";

/**
 * What any site may call: the script, and the endpoint it sends conversions to with the public
 * site key. A scope of its own, so its text/plain parser and open CORS answer touch no other route.
 */
export const siteRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const script = siteScript({ clickParameter: CLICK_ID_PARAMETER, endpointPath: SITE_EVENT_PATH });

  // The script sends text/plain (a CORS-safelisted type, so the browser sends no preflight).
  app.addContentTypeParser("text/plain", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new AppError(400, "invalid_json", "The body is not valid JSON."));
    }
  });
  // Any site's page may read the answer (never with a cookie: credentials are not allowed with *).
  app.addHook("onSend", async (request, reply) => {
    if (request.routeOptions.url === SITE_EVENT_PATH) reply.header("access-control-allow-origin", "*");
  });

  app.get(SITE_SCRIPT_PATH, { schema: { hide: true } }, (_request, reply) =>
    reply
      .header("content-type", "text/javascript; charset=utf-8")
      .header("cache-control", `public, max-age=${SCRIPT_MAX_AGE_SECONDS}`)
      // Loaded by other sites' pages: helmet's same-origin default would block it there.
      .header("cross-origin-resource-policy", "cross-origin")
      .send(script),
  );

  app.post(
    SITE_EVENT_PATH,
    {
      config: { access: "public", rateLimit: siteEventRateLimit },
      schema: {
        tags: ["conversions"],
        summary: "Record a conversion from a site's page with the organization's public site key (the site script)",
        description:
          "What `/c.js` sends: the same fields as POST /api/conversions and `siteKey`, as JSON in a text/plain or " +
          "application/json body. The site key only records conversions; it reads nothing.",
        body: siteEventBody,
        response: { 200: conversionAnswer, 201: conversionAnswer },
      },
    },
    async (request, reply) => {
      const { siteKey, ...input } = request.body;
      const organizationId = await organizationOfSiteKey(context.db, siteKey);
      if (!organizationId) throw notFound("That site key", "siteKey");
      const [view] = await recordConversions({ context, organizationId, source: "site" }, [{ input, fieldPrefix: "" }]);
      return reply.status(view!.replayed ? 200 : 201).send({ conversion: view! });
    },
  );
};
