// A schedule for people: each cron expression in words (cronstrue, English or French) and its
// run times in the schedule's own zone with that zone's offset, since a cron is read in its zone.
import cronstrue from 'cronstrue';
import 'cronstrue/locales/fr.js';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/** The cron in words, or the expression itself when cronstrue cannot read it (it is still valid to croner). */
export function cronInWords(expression: string, locale: string): string {
  try {
    return cronstrue.toString(expression, {
      locale: locale === 'fr' ? 'fr' : 'en',
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
    });
  } catch {
    return expression;
  }
}

/** Formats instants in one zone, with the zone's offset (06:30 GMT+1), in `locale`. */
export function zonedFormatter(locale: string, timeZone: string): (iso: string) => string {
  const format = new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
    timeZoneName: 'shortOffset',
  });
  return (iso) => format.format(new Date(iso));
}

export function useZonedFormat(timeZone: string): (iso: string) => string {
  const { i18n } = useTranslation();
  return useMemo(() => zonedFormatter(i18n.language, timeZone), [i18n.language, timeZone]);
}
