// Content negotiation for /metrics: OpenMetrics 1.0.0 for scrapers that ask for it, Prometheus text otherwise.
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_TEXT = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export function wantsOpenMetrics(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.trim().startsWith('application/openmetrics-text'));
}

// The samples are the same in both formats; OpenMetrics names a counter family without `_total`,
// declares the unit of `_seconds` families and ends with `# EOF`.
export function toOpenMetrics(prometheusText: string): string {
  const lines: string[] = [];
  for (const line of prometheusText.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (!meta) {
      lines.push(line);
      continue;
    }
    const [, kind, name = '', rest = ''] = meta;
    const family = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
    lines.push(`# ${kind} ${family} ${rest}`.trimEnd());
    if (kind === 'TYPE' && family.endsWith('_seconds')) lines.push(`# UNIT ${family} seconds`);
  }
  return `${lines.join('\n')}\n# EOF\n`;
}
