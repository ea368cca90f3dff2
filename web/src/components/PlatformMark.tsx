import { platformProfiles, type PlatformId } from "../../../src/platforms/profiles";

export function PlatformMark({ platform }: { platform: PlatformId }) {
  const look = platformProfiles[platform].presentation;
  return (
    <span className="platform-mark" style={{ background: look.color }} aria-hidden>
      {look.glyph}
    </span>
  );
}
