-- Post options become keyed by platform id: threadParts and threadMedia move under "x",
-- instagramFormat becomes instagram.format, youtube keeps its place. Rows already in the new
-- shape have none of the old keys and are left as they are.
UPDATE "posts"
SET "options" = jsonb_strip_nulls(
  ("options" - 'threadParts' - 'threadMedia' - 'instagramFormat')
  || CASE
    WHEN "options" ? 'threadParts' OR "options" ? 'threadMedia'
      THEN jsonb_build_object('x', jsonb_strip_nulls(jsonb_build_object(
        'threadParts', "options" -> 'threadParts',
        'threadMedia', "options" -> 'threadMedia')))
    ELSE '{}'::jsonb
  END
  || CASE
    WHEN "options" ? 'instagramFormat'
      THEN jsonb_build_object('instagram', jsonb_build_object('format', "options" -> 'instagramFormat'))
    ELSE '{}'::jsonb
  END
)
WHERE "options" ?| array['threadParts', 'threadMedia', 'instagramFormat'];
