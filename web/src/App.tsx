import { lazy, Suspense } from "react";
import { Navigate, Outlet, Route, Routes, useLocation } from "react-router";
import { Spinner } from "./components/ui";
import { Shell } from "./Shell";
import { AlertsPage } from "./pages/AlertsPage";
import { ApiKeysPage } from "./pages/ApiKeysPage";
import { AuditPage } from "./pages/AuditPage";
import { AuthPage } from "./pages/AuthPage";
import { CalendarPage } from "./pages/CalendarPage";
import { CampaignsPage } from "./pages/CampaignsPage";
import { CreateOrganizationPage } from "./pages/CreateOrganizationPage";
import { ImportPage } from "./pages/ImportPage";
import { InvitePage } from "./pages/InvitePage";
import { MediaPage } from "./pages/MediaPage";
import { OverviewPage } from "./pages/OverviewPage";
import { SocialMediaPage } from "./pages/SocialMediaPage";
import { ComposePage } from "./pages/ComposePage";
import { PostsPage } from "./pages/PostsPage";
import { PlatformHealthPage } from "./pages/PlatformHealthPage";
import { ReportPage } from "./pages/ReportPage";
import { ReportsPage } from "./pages/ReportsPage";
import { TeamPage } from "./pages/TeamPage";
import { WebhooksPage } from "./pages/WebhooksPage";
import { ConversionsPage } from "./pages/ConversionsPage";
import { SessionProvider, useMe } from "./session";

// The analytics pages carry the chart library: loaded when first opened, not with every page.
const AnalyticsPage = lazy(() => import("./pages/AnalyticsPage").then((module) => ({ default: module.AnalyticsPage })));
const PostAnalyticsPage = lazy(() =>
  import("./pages/PostAnalyticsPage").then((module) => ({ default: module.PostAnalyticsPage })),
);

function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Spinner />;
  if (!me.data)
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return (
    <SessionProvider me={me.data}>
      <Outlet />
    </SessionProvider>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<AuthPage mode="login" />} />
      <Route path="/signup" element={<AuthPage mode="signup" />} />
      <Route path="/invite/:token" element={<InvitePage />} />
      <Route element={<RequireSession />}>
        <Route path="/organizations/new" element={<CreateOrganizationPage />} />
        <Route element={<Shell />}>
          <Route index element={<OverviewPage />} />
          <Route path="/social-media" element={<SocialMediaPage />} />
          <Route path="/platform-health" element={<PlatformHealthPage />} />
          <Route path="/compose" element={<ComposePage />} />
          <Route path="/posts" element={<PostsPage />} />
          <Route
            path="/analytics"
            element={
              <Suspense fallback={<Spinner />}>
                <AnalyticsPage />
              </Suspense>
            }
          />
          <Route
            path="/analytics/posts/:postId"
            element={
              <Suspense fallback={<Spinner />}>
                <PostAnalyticsPage />
              </Suspense>
            }
          />
          <Route path="/calendar" element={<CalendarPage />} />
          <Route path="/media" element={<MediaPage />} />
          <Route path="/posts/import" element={<ImportPage />} />
          <Route path="/team" element={<TeamPage />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="/webhooks" element={<WebhooksPage />} />
          <Route path="/api-keys" element={<ApiKeysPage />} />
          <Route path="/alerts" element={<AlertsPage />} />
          <Route path="/campaigns" element={<CampaignsPage />} />
          <Route path="/reports" element={<ReportsPage />} />
          <Route path="/reports/:reportId" element={<ReportPage />} />
          <Route path="/conversions" element={<ConversionsPage />} />
        </Route>
      </Route>
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}
