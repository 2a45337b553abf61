// The page: sign-in until a session exists, then the shell with its routes and the live stream.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Switch } from 'wouter';
import { useLiveEvents } from './api/live.ts';
import { checkSession, useSession } from './api/session.ts';
import type { SessionResponse } from './api/types.ts';
import { Loading } from './components/query-states.tsx';
import { Shell } from './components/shell.tsx';
import { BackfillDetailPage } from './pages/backfills/backfill-detail-page.tsx';
import { BackfillsPage } from './pages/backfills/backfills-page.tsx';
import { DatasetDetailPage } from './pages/datasets/dataset-detail-page.tsx';
import { DatasetsPage } from './pages/datasets/datasets-page.tsx';
import { FreshnessPage } from './pages/freshness/freshness-page.tsx';
import { KeySetPage } from './pages/key-sets/key-set-page.tsx';
import { KeySetsPage } from './pages/key-sets/key-sets-page.tsx';
import { OverviewPage } from './pages/overview/overview-page.tsx';
import { PipelinesPage } from './pages/pipelines/pipelines-page.tsx';
import { QuarantinePage } from './pages/quarantine/quarantine-page.tsx';
import { RunDetailPage } from './pages/runs/run-detail-page.tsx';
import { RunsPage } from './pages/runs/runs-page.tsx';
import { SignInPage } from './pages/sign-in/sign-in-page.tsx';
import { SourcesPage } from './pages/sources/sources-page.tsx';

function NotFound() {
  const { t } = useTranslation();
  return (
    <>
      <h1>{t('app.notFound')}</h1>
      <Link href="/">{t('app.backToOverview')}</Link>
    </>
  );
}

function SignedIn({ session }: { session: SessionResponse }) {
  const live = useLiveEvents();
  return (
    <Shell session={session} live={live}>
      <Switch>
        <Route path="/">
          <OverviewPage />
        </Route>
        <Route path="/runs">
          <RunsPage />
        </Route>
        <Route path="/runs/:id">{(params) => <RunDetailPage id={params.id} />}</Route>
        <Route path="/pipelines">
          <PipelinesPage />
        </Route>
        <Route path="/freshness">
          <FreshnessPage />
        </Route>
        <Route path="/datasets">
          <DatasetsPage />
        </Route>
        <Route path="/datasets/:name">{(params) => <DatasetDetailPage name={params.name} />}</Route>
        <Route path="/quarantine">
          <QuarantinePage />
        </Route>
        <Route path="/sources">
          <SourcesPage />
        </Route>
        <Route path="/key-sets">
          <KeySetsPage />
        </Route>
        <Route path="/key-sets/:name">
          {(params) => <KeySetPage name={decodeURIComponent(params.name)} />}
        </Route>
        <Route path="/backfills">
          <BackfillsPage />
        </Route>
        <Route path="/backfills/:id">{(params) => <BackfillDetailPage id={params.id} />}</Route>
        <Route>
          <NotFound />
        </Route>
      </Switch>
    </Shell>
  );
}

export function App() {
  const session = useSession();
  const client = useQueryClient();
  const hasCode = new URLSearchParams(window.location.search).has('code');

  useEffect(() => {
    // A one-time link signs in by its code; checking an old cookie first would only race it.
    if (!hasCode) void checkSession().catch(() => {});
  }, [hasCode]);

  useEffect(() => {
    // Nothing of one principal's data may show for the next one.
    if (session.kind === 'signed-out') client.clear();
  }, [session.kind, client]);

  if (session.kind === 'signed-in') return <SignedIn session={session.session} />;
  if (session.kind === 'signed-out' || hasCode) {
    return <SignInPage reason={session.kind === 'signed-out' ? session.reason : undefined} />;
  }
  return (
    <main id="main">
      <Loading />
    </main>
  );
}
