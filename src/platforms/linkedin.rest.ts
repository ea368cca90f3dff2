/**
 * Headers every call to LinkedIn's versioned REST API carries: the version (YYYYMM) and Rest.li
 * protocol 2.0.0. https://learn.microsoft.com/linkedin/marketing/versioning
 */
export const restHeaders = (apiVersion: string | undefined) => ({
  "linkedin-version": apiVersion ?? "",
  "x-restli-protocol-version": "2.0.0",
});
