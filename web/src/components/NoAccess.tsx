import { ApiError } from "../api";
import { Card } from "./ui";

/** The API's 403: the viewer's role does not reach this, which is neither an error nor an empty list. */
export function isForbidden(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}

export function NoAccess({ what }: { what: string }) {
  return (
    <Card>
      <div className="no-access" role="status">
        <strong>You don’t have access to {what}.</strong>
        <p className="muted">
          Your role in this organization does not include it. An administrator can change your role.
        </p>
      </div>
    </Card>
  );
}
