// Numbers, dates, relative times and durations through Intl, in the page's locale and the viewer's time zone.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/** The zone times are shown in; the shell states it on screen. */
export const viewerTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

export interface Formatters {
  number(value: number): string;
  percent(share: number): string;
  dateTime(iso: string | null): string;
  /** A calendar day (backfill ranges), in UTC as the API gives it. */
  day(iso: string | null): string;
  relative(iso: string | null, now?: number): string;
  duration(ms: number | null): string;
}

export function createFormatters(locale: string): Formatters {
  const number = new Intl.NumberFormat(locale);
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const dateTime = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: viewerTimeZone,
  });
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const unit = (name: string, digits = 0) =>
    new Intl.NumberFormat(locale, {
      style: 'unit',
      unit: name,
      unitDisplay: 'short',
      maximumFractionDigits: digits,
    });
  const ms = unit('millisecond');
  const seconds = unit('second', 1);
  const wholeSeconds = unit('second');
  const minutes = unit('minute');
  const hours = unit('hour');
  const days = unit('day');
  return {
    number: (value) => number.format(value),
    percent: (share) => percent.format(share),
    dateTime: (iso) => (iso ? dateTime.format(new Date(iso)) : '—'),
    day: (iso) => (iso ? day.format(new Date(iso)) : '—'),
    relative: (iso, now = Date.now()) => {
      if (!iso) return '—';
      const delta = Date.parse(iso) - now;
      const [name, size] = UNITS.find(([, size]) => Math.abs(delta) >= size) ?? ['second', 1000];
      return relative.format(Math.round(delta / size), name);
    },
    duration: (value) => {
      if (value === null) return '—';
      if (value < 1000) return ms.format(value);
      if (value < 60_000) return seconds.format(value / 1000);
      const total = Math.round(value / 1000);
      if (total < 3600) return `${minutes.format(Math.floor(total / 60))} ${wholeSeconds.format(total % 60)}`;
      if (total < 172_800) {
        return `${hours.format(Math.floor(total / 3600))} ${minutes.format(Math.floor((total % 3600) / 60))}`;
      }
      // Beyond two days, minutes are noise: a series 790 days behind is read in days.
      return `${days.format(Math.floor(total / 86_400))} ${hours.format(Math.floor((total % 86_400) / 3600))}`;
    },
  };
}

export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  return useMemo(() => createFormatters(i18n.language), [i18n.language]);
}
