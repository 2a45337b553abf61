// The frame around every signed-in page: navigation, live state, time zone, locale switch, principal and sign-out.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import type { LiveState } from '../api/live.ts';
import { signOut } from '../api/session.ts';
import type { SessionResponse } from '../api/types.ts';
import { viewerTimeZone } from '../i18n/format.ts';
import { changeLocale, currentLocale, LOCALES } from '../i18n/index.ts';

const LOCALE_NAMES: Record<(typeof LOCALES)[number], string> = { en: 'English', fr: 'Français' };

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
  const { t, i18n } = useTranslation();
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
        </nav>
        <div className="topbar-end">
          <span className={`live live-${props.live}`} role="status" data-testid="live-state">
            {t(`app.live.${props.live}`)}
          </span>
          <span className="muted">{t('app.timeZone', { zone: viewerTimeZone })}</span>
          <label className="locale">
            <span>{t('app.language')}</span>
            <select
              value={currentLocale(i18n.language)}
              onChange={(event) => void changeLocale(currentLocale(event.target.value))}
            >
              {LOCALES.map((locale) => (
                <option key={locale} value={locale} lang={locale}>
                  {LOCALE_NAMES[locale]}
                </option>
              ))}
            </select>
          </label>
          <span className="principal">
            {t('app.signedInAs', { name: principal.name })} ({t(`role.${principal.role}`)})
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
