/**
 * Rewriting a post's links to tracked short links: pure and without imports, so the composer's
 * previews and length counts and the server's sending use the same rules.
 */

/** Characters of a short link's code: 12 base62 characters are 71 random bits, not guessable. */
export const SHORT_CODE_LENGTH = 12;
export const SHORT_CODE_PATTERN = /^[0-9A-Za-z]{12}$/;

/** A URL in a post's text, without the punctuation that usually follows one in a sentence. */
const URL_IN_TEXT = /https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]}]/g;

export interface LinkedContent {
  content: string;
  link?: string | null;
  /** A platform's options: those under its text-part keys (an X thread's further posts) are text too. */
  options?: Record<string, unknown>;
}

/** The text parts under `partKeys` in the options (lists of strings), each with its key. */
function textParts(sent: LinkedContent, partKeys: readonly string[]): [string, string[]][] {
  return partKeys.flatMap((key) => {
    const parts = sent.options?.[key];
    return Array.isArray(parts) && parts.every((part) => typeof part === "string") ? [[key, parts as string[]]] : [];
  });
}

/** Where short links live: `{public address}/l/`. */
export const shortLinkPrefix = (publicUrl: string | URL) => new URL("/l/", publicUrl).toString();

/** What a short link looks like before its code exists: the same length, so counts are exact. */
export const shortLinkPlaceholder = (prefix: string) => `${prefix}${"x".repeat(SHORT_CODE_LENGTH)}`;

/** The distinct URLs of the link field, the text and its parts, in order; short links already ours are left as they are. */
export function linksIn(sent: LinkedContent, prefix: string, partKeys: readonly string[] = []): string[] {
  const texts = [sent.content, ...textParts(sent, partKeys).flatMap(([, parts]) => parts)];
  const found = [...(sent.link ? [sent.link] : []), ...texts.flatMap((text) => text.match(URL_IN_TEXT) ?? [])];
  return [...new Set(found.filter((url) => !url.startsWith(prefix)))];
}

/** The content with each URL that has a short link replaced by it, in the text, its parts and the link field. */
export function withShortLinks<Content extends LinkedContent>(
  sent: Content,
  shortFor: (url: string) => string | undefined,
  partKeys: readonly string[] = [],
): Content {
  const replaced = (text: string) => text.replace(URL_IN_TEXT, (url) => shortFor(url) ?? url);
  const parts = textParts(sent, partKeys);
  return {
    ...sent,
    content: replaced(sent.content),
    link: sent.link ? (shortFor(sent.link) ?? sent.link) : sent.link,
    ...(parts.length > 0
      ? { options: { ...sent.options, ...Object.fromEntries(parts.map(([key, texts]) => [key, texts.map(replaced)])) } }
      : {}),
  };
}

/** The content as it will be sent before its codes exist: each URL as a placeholder as long as its short link. */
export function withShortLinkPlaceholders<Content extends LinkedContent>(sent: Content, prefix: string): Content {
  const placeholder = shortLinkPlaceholder(prefix);
  return withShortLinks(sent, (url) => (url.startsWith(prefix) ? undefined : placeholder));
}
