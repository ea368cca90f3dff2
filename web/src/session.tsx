import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, type ReactNode } from "react";
import { api, ApiError, type Me } from "./api";

const SessionContext = createContext<Me | null>(null);

export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: async () => {
      try {
        return await api("GET", "/api/auth/me");
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
  });
}

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <SessionContext.Provider value={me}>{children}</SessionContext.Provider>;
}

/** The signed-in user; only used below the shell, which renders once /me answered. */
export function useSession(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error("useSession outside a signed-in page");
  return me;
}

/** After sign-in, sign-out or a switch of organization every cached answer is stale. */
export function useResetSession() {
  const client = useQueryClient();
  return () => client.resetQueries();
}
