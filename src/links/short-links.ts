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
  link: string | null;
}

/** Where short links live: `{public address}/l/`. */
export const shortLinkPrefix = (publicUrl: string | URL) => new URL("/l/", publicUrl).toString();

/** What a short link looks like before its code exists: the same length, so counts are exact. */
export const shortLinkPlaceholder = (prefix: string) => `${prefix}${"x".repeat(SHORT_CODE_LENGTH)}`;

/** The distinct URLs of the link field and the text, in order; short links already ours are left as they are. */
export function linksIn(sent: LinkedContent, prefix: string): string[] {
  const found = [...(sent.link ? [sent.link] : []), ...(sent.content.match(URL_IN_TEXT) ?? [])];
  return [...new Set(found.filter((url) => !url.startsWith(prefix)))];
}

/** The content with each URL that has a short link replaced by it, in the text and in the link field. */
export function withShortLinks<Content extends LinkedContent>(
  sent: Content,
  shortFor: (url: string) => string | undefined,
): Content {
  return {
    ...sent,
    content: sent.content.replace(URL_IN_TEXT, (url) => shortFor(url) ?? url),
    link: sent.link ? (shortFor(sent.link) ?? sent.link) : sent.link,
  };
}
