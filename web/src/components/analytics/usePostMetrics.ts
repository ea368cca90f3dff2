import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { analyticsKeys, fetchPostMetrics } from "./queries";

/**
 * A post's metrics per account, read once the post scrolls into view, so a list of hundreds of
 * posts asks only for the ones a person looks at.
 */
export function usePostMetrics(postId: string, enabled: boolean) {
  const [element, setElement] = useState<Element | null>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    if (!element || seen) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) setSeen(true);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [element, seen]);
  const metrics = useQuery({
    queryKey: analyticsKeys.post(postId),
    queryFn: () => fetchPostMetrics(postId),
    enabled: enabled && seen,
    staleTime: 60_000,
    retry: false,
  });
  return {
    observe: setElement,
    forTarget: (targetId: string) => metrics.data?.targets.find((target) => target.targetId === targetId),
  };
}
