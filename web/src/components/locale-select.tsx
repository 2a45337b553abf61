// The language switch, in the shell and on the sign-in page; the choice is kept in localStorage.
import { useTranslation } from 'react-i18next';
import { changeLocale, currentLocale, LOCALES, type Locale } from '../i18n/index.ts';

/** Each language named in itself, so a reader finds theirs whatever the page's language. */
const LOCALE_NAMES: Record<Locale, string> = { en: 'English', fr: 'Français' };

export function LocaleSelect() {
  const { t, i18n } = useTranslation();
  return (
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
  );
}
