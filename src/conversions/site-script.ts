/**
 * The script a site includes to record conversions from its own pages. On a landing page it keeps
 * the click id (and UTM values) the short link's redirect added, in the site's own storage; on a
 * conversion, `marketsage("conversion", {...})` sends them with the event, presenting the public
 * site key from its tag's `data-site-key` (never an API key). Calls made before it loaded are
 * queued by the snippet in `marketsage.q`. Plain ES2017 for every browser a site's visitors use.
 * The body is text/plain, so no CORS preflight is needed; no cookie is sent.
 */
export function siteScript(options: { clickParameter: string; endpointPath: string }): string {
  return `(function () {
  "use strict";
  var tag = document.currentScript;
  var siteKey = tag && tag.getAttribute("data-site-key");
  var endpoint = new URL(${JSON.stringify(options.endpointPath)}, tag ? tag.src : location.href).toString();
  var STORAGE_KEY = "marketsage.landing";
  var fields = { clickId: ${JSON.stringify(options.clickParameter)}, utmSource: "utm_source", utmMedium: "utm_medium",
    utmCampaign: "utm_campaign", utmContent: "utm_content" };
  var query = new URLSearchParams(location.search);
  var landing = {};
  Object.keys(fields).forEach(function (name) { var value = query.get(fields[name]); if (value) landing[name] = value; });
  if (landing.clickId || landing.utmContent) {
    try { localStorage.setItem(STORAGE_KEY, JSON.stringify(landing)); } catch (blocked) { /* storage off: this page only */ }
  }
  function remembered() {
    try { return JSON.parse(localStorage.getItem(STORAGE_KEY) || "null") || landing; } catch (blocked) { return landing; }
  }
  function marketsage(command, event) {
    if (command !== "conversion" || !siteKey || !event) return Promise.resolve(undefined);
    var body = Object.assign({}, remembered(), {
      siteKey: siteKey, eventId: event.eventId, eventName: event.eventName, value: event.value,
      currency: event.currency, occurredAt: new Date().toISOString()
    });
    return fetch(endpoint, { method: "POST", body: JSON.stringify(body), credentials: "omit", keepalive: true,
      headers: { "content-type": "text/plain" } }).then(function (answer) { return answer.json(); });
  }
  var queued = (window.marketsage && window.marketsage.q) || [];
  window.marketsage = marketsage;
  queued.forEach(function (call) { marketsage(call[0], call[1]); });
})();
`;
}
