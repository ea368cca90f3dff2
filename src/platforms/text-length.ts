/**
 * X's weighted length: URLs count 23; characters outside the light ranges (CJK, emoji…) count 2.
 * The ranges are twitter-text's v3 configuration. Shared by the server and the composer.
 * https://github.com/twitter/twitter-text/blob/master/config/v3.json
 */
const URL_WEIGHT = 23;
const URL_PATTERN = /https?:\/\/\S+/g;

export function weightedLength(text: string): number {
  let weight = (text.match(URL_PATTERN) ?? []).length * URL_WEIGHT;
  for (const character of text.replace(URL_PATTERN, "")) {
    const point = character.codePointAt(0)!;
    const light =
      point <= 4351 ||
      (point >= 8192 && point <= 8205) ||
      (point >= 8208 && point <= 8223) ||
      (point >= 8242 && point <= 8247);
    weight += light ? 1 : 2;
  }
  return weight;
}
