/**
 * Whether two texts are the same post's text as a platform gives it back: platforms keep the
 * words but may change line endings, fold white space and trim the ends, and some compose
 * accented letters differently. Anything more (a prefix, a shared first line) is another post.
 */
export function sameText(sent: string, found: string): boolean {
  const fold = (text: string) => text.normalize("NFC").replace(/\s+/g, " ").trim();
  return fold(sent) === fold(found);
}

/** Seconds since the epoch, as Graph's `since` and X's times take them. */
export function unixSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

/**
 * Whether one page of an account's posts, newest first, reaches back to `since`: it does when
 * the page is not full, or when its oldest post is older than that.
 */
export function reachesBack(createdAt: Date[], options: { pageSize: number; since: Date }): boolean {
  const oldest = createdAt.reduce<Date | undefined>((min, date) => (!min || date < min ? date : min), undefined);
  return createdAt.length < options.pageSize || (oldest !== undefined && oldest < options.since);
}
