// The frame around every signed-in page: navigation, live state, time zone, locale switch, principal and sign-out.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import type { LiveState } from '../api/live.ts';
import { signOut } from '../api/session.ts';
import type { SessionResponse } from '../api/types.ts';
import { viewerTimeZone } from '../i18n/format.ts';
import { LocaleSelect } from './locale-select.tsx';

function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const [location] = useLocation();
  const active = href === '/' ? location === '/' : location.startsWith(href);
  return (
    <Link
      href={href}
      className={active ? 'nav-link active' : 'nav-link'}
      aria-current={active ? 'page' : undefined}
    >
      {children}
    </Link>
  );
}

export function Shell(props: { session: SessionResponse; live: LiveState; children: ReactNode }) {
  const { t } = useTranslation();
  const { principal } = props.session;
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <nav aria-label={t('app.nav.label')}>
          <NavLink href="/">{t('app.nav.overview')}</NavLink>
          <NavLink href="/runs">{t('app.nav.runs')}</NavLink>
          <NavLink href="/pipelines">{t('app.nav.pipelines')}</NavLink>
          <NavLink href="/freshness">{t('app.nav.freshness')}</NavLink>
          <NavLink href="/datasets">{t('app.nav.datasets')}</NavLink>
          <NavLink href="/quarantine">{t('app.nav.quarantine')}</NavLink>
          <NavLink href="/sources">{t('app.nav.sources')}</NavLink>
          <NavLink href="/key-sets">{t('app.nav.keySets')}</NavLink>
          <NavLink href="/backfills">{t('app.nav.backfills')}</NavLink>
        </nav>
        <div className="topbar-end">
          <span className={`live live-${props.live}`} role="status" data-testid="live-state">
            {t(`app.live.${props.live}`)}
          </span>
          <span className="muted tz">{t('app.timeZone', { zone: viewerTimeZone })}</span>
          <LocaleSelect />
          <span className="principal" data-testid="principal">
            <span className="visually-hidden">{t('app.signedInAs')}</span>
            {principal.name} <span className="role">{t(`role.${principal.role}`)}</span>
          </span>
          <button type="button" onClick={() => void signOut()}>
            {t('app.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
