/**
 * Platforms that take media by URL (Meta, Telegram) download it themselves; so does the
 * sandbox, so an unreachable or wrong-typed URL fails here as it would there.
 */
export async function fetchMedia(url: string | undefined): Promise<{ contentType: string; bytes: number } | undefined> {
  if (!url || !/^https?:\/\//.test(url)) return undefined;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return undefined;
    const body = Buffer.from(await response.arrayBuffer());
    return { contentType: (response.headers.get("content-type") ?? "").split(";")[0]!.trim(), bytes: body.length };
  } catch {
    return undefined;
  }
}
