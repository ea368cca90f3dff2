import { platformProfiles } from "../../../src/platforms/profiles";
import { isPlatformId } from "../api";

/** A platform's mark; one this dashboard has no profile for shows its initial on grey. */
export function PlatformMark({ platform }: { platform: string }) {
  const look = isPlatformId(platform)
    ? platformProfiles[platform].presentation
    : { color: "#6b7280", glyph: platform.charAt(0).toUpperCase() };
  return (
    <span className="platform-mark" style={{ background: look.color }} aria-hidden>
      {look.glyph}
    </span>
  );
}
