import { lookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Where webhooks may go. An endpoint's URL is chosen by a customer and called by our servers, so
 * it must not reach what only our servers can reach (server-side request forgery): loopback,
 * private networks, link-local (the cloud metadata service at 169.254.169.254), carrier-grade
 * NAT, "this network" and every other special-purpose range. Checked at registration and again,
 * on the address actually connected to, at each delivery, since a name may resolve elsewhere
 * by then.
 */
export interface AddressPolicy {
  /** Production: https:// only. Development and tests may use http://. */
  httpsOnly: boolean;
  /** Development and tests only: loopback and private receivers are allowed. */
  allowInternalAddresses: boolean;
}

/**
 * Only addresses ipaddr.js calls plain "unicast" are public: every special-purpose range it
 * knows (RFC 6890 and successors) is refused. IPv4-mapped IPv6 is judged as the IPv4 it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === "unicast";
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "");

/** What is wrong with an endpoint's URL as written, if anything; the host's addresses are checked apart. */
export function endpointUrlProblem(value: string, policy: AddressPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a URL";
  }
  if (policy.httpsOnly ? url.protocol !== "https:" : url.protocol !== "https:" && url.protocol !== "http:")
    return policy.httpsOnly ? "must be an https:// address" : "must be an http:// or https:// address";
  if (url.username || url.password) return "must not carry a user name or password";
  const host = hostOf(url);
  if (!policy.allowInternalAddresses && isIP(host) && !isPublicAddress(host))
    return "must be an address on the public internet, not a private, loopback or link-local one";
  return undefined;
}

/** How long a host's name may take to resolve before the host counts as not found. */
const RESOLVE_TIMEOUT_MS = 5_000;

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`resolving ${host} took over ${RESOLVE_TIMEOUT_MS} ms`)),
      RESOLVE_TIMEOUT_MS,
    );
    lookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(addresses);
    });
  });
}

/**
 * What is wrong with where the URL's host resolves now, if anything: every address must be
 * public (a name with one public and one private address could be answered either way).
 */
export async function endpointHostProblem(value: string, policy: AddressPolicy): Promise<string | undefined> {
  const host = hostOf(new URL(value));
  if (policy.allowInternalAddresses || isIP(host)) return undefined;
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch {
    return `names a host that could not be found (${host})`;
  }
  return addresses.every((entry) => isPublicAddress(entry.address))
    ? undefined
    : `names a host that resolves to a private, loopback or link-local address (${host})`;
}

export class InternalAddressError extends Error {
  constructor(host: string) {
    super(`${host} resolves to a private, loopback or link-local address; webhooks go only to public addresses`);
    this.name = "InternalAddressError";
  }
}

/**
 * A DNS lookup for the delivery's connection that refuses internal addresses, so the address
 * checked is the address connected to: no second resolution between the check and the connect
 * (DNS rebinding). Node calls it with `all` when it races IPv4 and IPv6 (autoSelectFamily).
 */
export function checkedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const allowed = policy.allowInternalAddresses || addresses.every((entry) => isPublicAddress(entry.address));
      if (!allowed || addresses.length === 0) return callback(new InternalAddressError(hostname), "", 0);
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      return callback(null, first!.address, first!.family);
    });
  };
}
