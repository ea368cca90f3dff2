import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, uploadMedia } from "../api";
import { Button, Card, FormError } from "./ui";

/** The logo the organization's client reports carry: an image put in the media library and chosen here. */
export function OrganizationLogoCard() {
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<number>();
  const logo = useQuery({ queryKey: ["organization-logo"], queryFn: () => api("GET", "/api/organization/logo") });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["organization-logo"] });
  const choose = useMutation({
    mutationFn: async (file: File) => {
      const media = await uploadMedia(file, setProgress);
      return api("PUT", "/api/organization/logo", { body: { mediaId: media.id } });
    },
    onSettled: () => setProgress(undefined),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: () => api("DELETE", "/api/organization/logo"), onSuccess: refresh });
  return (
    <Card title="Logo on reports">
      <p className="muted small" data-testid="logo-state">
        {logo.data?.mediaId ? "Your reports carry the logo you chose." : "Your reports carry no logo."} PNG or JPEG.
      </p>
      <div className="row">
        <label className="button button-secondary">
          {progress === undefined ? "Upload a logo" : `Uploading ${Math.round(progress * 100)} %`}
          <input
            type="file"
            accept="image/png,image/jpeg"
            hidden
            aria-label="Logo file"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) choose.mutate(file);
              event.target.value = "";
            }}
          />
        </label>
        {logo.data?.mediaId ? (
          <Button variant="ghost" busy={remove.isPending} onClick={() => remove.mutate()}>
            Remove logo
          </Button>
        ) : null}
      </div>
      <FormError error={choose.error ?? remove.error} />
    </Card>
  );
}
