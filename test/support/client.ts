/**
 * A small HTTP client that keeps cookies and sends the Origin a browser on our pages would,
 * so tests speak to the app exactly as the dashboard does.
 */
export interface Answer<Body = any> {
  status: number;
  headers: Headers;
  body: Body;
}

export class HttpClient {
  private readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: URL,
    private readonly origin: string | null = baseUrl.origin,
  ) {}

  /** The same cookies, sent from another site's page. */
  fromOrigin(origin: string | null): HttpClient {
    const other = new HttpClient(this.baseUrl, origin);
    for (const [name, value] of this.cookies) other.cookies.set(name, value);
    return other;
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  get<Body = any>(path: string, headers: Record<string, string> = {}) {
    return this.request<Body>("GET", path, undefined, headers);
  }
  post<Body = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request<Body>("POST", path, body, headers);
  }
  put<Body = any>(path: string, body?: unknown) {
    return this.request<Body>("PUT", path, body);
  }
  patch<Body = any>(path: string, body?: unknown) {
    return this.request<Body>("PATCH", path, body);
  }
  delete<Body = any>(path: string) {
    return this.request<Body>("DELETE", path);
  }

  async request<Body = any>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<Answer<Body>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.origin && method !== "GET") headers.origin = this.origin;
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const type = response.headers.get("content-type") ?? "";
    return {
      status: response.status,
      headers: response.headers,
      body: type.includes("json") && text ? JSON.parse(text) : text,
    };
  }
}
