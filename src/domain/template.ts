// `{{name}}` templates in URLs and parameters: parsed once at load time, rendered per call.
import { ConfigError } from './errors.ts';

export type TemplatePart = { text: string } | { variable: string };

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}/g;

export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    parts.push({ variable: match[1] as string });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  const rest = parts.flatMap((part) => ('text' in part ? [part.text] : [])).join('');
  if (rest.includes('{{') || rest.includes('}}')) {
    throw new ConfigError(`template "${template}" has a malformed placeholder; write {{name}}`);
  }
  return parts;
}

export function templateVariables(parts: readonly TemplatePart[]): string[] {
  return parts.flatMap((part) => ('variable' in part ? [part.variable] : []));
}

/** Throws a ConfigError naming `where` for any variable not in `known`. */
export function assertTemplateVariables(
  where: string,
  parts: readonly TemplatePart[],
  known: readonly string[],
): void {
  for (const variable of templateVariables(parts)) {
    if (!known.includes(variable)) {
      const hint =
        known.length > 0 ? `known parameters: ${known.join(', ')}` : 'this pipeline has no parameters';
      throw new ConfigError(`${where}: unknown template parameter {{${variable}}} (${hint})`);
    }
  }
}

/**
 * Fills the placeholders. With `encode` (a URL: `encodeURIComponent`), a value that is only dots
 * is refused: as a path segment it would climb a level, and percent-encoding cannot prevent that
 * (URL parsers read `%2E%2E` as `..`). Throws a ConfigError naming the parameter.
 */
export function renderTemplate(
  parts: readonly TemplatePart[],
  values: Readonly<Record<string, string>>,
  encode?: (value: string) => string,
): string {
  let out = '';
  for (const part of parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const value = values[part.variable];
    if (value === undefined) throw new ConfigError(`template parameter {{${part.variable}}} has no value`);
    if (encode === undefined) {
      out += value;
      continue;
    }
    const encoded = encode(value);
    if (DOTS_ONLY.test(encoded)) {
      throw new ConfigError(
        `template parameter {{${part.variable}}} is ${JSON.stringify(value)}: in a URL it would be read as a ` +
          'step up the path, so it is refused; use a key or parameter that is not only dots',
      );
    }
    out += encoded;
  }
  return out;
}

const DOTS_ONLY = /^\.+$/;
