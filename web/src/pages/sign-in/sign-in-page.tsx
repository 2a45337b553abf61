// Sign-in: paste a token, or arrive by the one-time link (?code=), which is posted once and removed from the URL.
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.ts';
import { type SignedOutReason, signIn } from '../../api/session.ts';
import { LocaleSelect } from '../../components/locale-select.tsx';

function takeCodeFromUrl(): string | null {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('code');
  if (code === null) return null;
  // The code is single use; it should not stay in the address bar, history or a bookmark.
  url.searchParams.delete('code');
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return code;
}

function detailOf(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

export function SignInPage({ reason }: { reason: SignedOutReason | undefined }) {
  const { t } = useTranslation();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState<'token' | 'code' | undefined>();
  const [error, setError] = useState<string | undefined>();
  const codeTried = useRef(false);

  useEffect(() => {
    // Strict mode runs effects twice in development; the code must be posted once.
    if (codeTried.current) return;
    codeTried.current = true;
    const code = takeCodeFromUrl();
    if (code === null) return;
    setBusy('code');
    signIn({ code })
      .catch((failure: unknown) => setError(detailOf(failure)))
      .finally(() => setBusy(undefined));
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy('token');
    setError(undefined);
    signIn({ token: token.trim() })
      .catch((failure: unknown) => setError(detailOf(failure)))
      .finally(() => setBusy(undefined));
  };

  return (
    <main id="main" className="sign-in">
      <div className="sign-in-locale">
        <LocaleSelect />
      </div>
      <form className="card sign-in-card" onSubmit={submit}>
        <h1>{t('signIn.title')}</h1>
        {reason && !error && (
          <p className="notice" role="status">
            {t(`signIn.reason.${reason}`)}
          </p>
        )}
        {error && (
          <p className="notice notice-error" role="alert">
            {t('signIn.failed', { detail: error })}
          </p>
        )}
        {busy === 'code' && <p role="status">{t('signIn.withCode')}</p>}
        <p>{t('signIn.intro')}</p>
        <label htmlFor="token">{t('signIn.tokenLabel')}</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-describedby="token-help"
          required
        />
        <p id="token-help" className="muted">
          <code>{t('signIn.tokenHelp')}</code>
        </p>
        <button type="submit" className="primary" disabled={busy !== undefined || token.trim() === ''}>
          {busy === 'token' ? t('signIn.submitting') : t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}
