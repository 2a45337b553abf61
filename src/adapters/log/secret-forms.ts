// The forms a secret takes when an upstream echoes it back: plain, URL-encoded, JSON-escaped, HTML
// entities and base64, and the one matcher that replaces any of them, or a cut-off start of one.

export const REDACTED = '[redacted]';

/** Shorter values are not redacted: replacing them would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 4;

const HTML_NAMES: Readonly<Record<string, string>> = {
  '&': 'amp',
  '<': 'lt',
  '>': 'gt',
  '"': 'quot',
  "'": 'apos',
  '/': 'sol',
  '+': 'plus',
  '=': 'equals',
  '?': 'quest',
  '#': 'num',
  '%': 'percnt',
  ':': 'colon',
};
const JSON_SHORT: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `2f` as `[2][fF]`: hex digits in either case, as encoders differ. */
function hexPattern(hex: string): string {
  return [...hex]
    .map((digit) => (/[a-f]/i.test(digit) ? `[${digit.toLowerCase()}${digit.toUpperCase()}]` : digit))
    .join('');
}

/** Every way one character may be written by a URL, JSON or HTML encoder. */
function characterPattern(char: string): string {
  const point = char.codePointAt(0) ?? 0;
  const options = [escapeRegExp(char)];
  const units = char.length === 1 ? [point] : [char.charCodeAt(0), char.charCodeAt(1)];
  options.push(units.map((unit) => `\\\\u${hexPattern(unit.toString(16).padStart(4, '0'))}`).join(''));
  const short = JSON_SHORT[char];
  if (short) options.push(escapeRegExp(short));
  const bytes = [...Buffer.from(char, 'utf8')];
  options.push(bytes.map((byte) => `%${hexPattern(byte.toString(16).padStart(2, '0'))}`).join(''));
  if (char === ' ') options.push('\\+');
  options.push(`&#0*${point};`, `&#[xX]0*${hexPattern(point.toString(16))};`);
  const name = HTML_NAMES[char];
  if (name) options.push(`&${name};`);
  return `(?:${options.join('|')})`;
}

/**
 * Base64 and base64url of the value alone, and of the value at each byte offset inside a longer
 * encoded text (`user:key` in Basic auth): the characters that depend on the value's bytes only.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(start, end);
    // A short core would match unrelated base64; the whole value's encoding is still caught.
    if (core.length >= 8 || offset === 0) forms.push(core);
    if (offset === 0) forms.push(encoded);
  }
  const withUrl = forms.flatMap((form) => [
    form,
    form.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''),
  ]);
  return [...new Set(withUrl.filter((form) => form.length >= MIN_SECRET_LENGTH))];
}

/** Literal encodings of the value, the ones a cut text may end with the start of. */
export function literalForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const html = value.replace(/[&<>"'/+=]/g, (char) => `&${HTML_NAMES[char]};`);
  return [
    ...new Set([
      value,
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
      json,
      json.replaceAll('/', '\\/'),
      html,
      ...base64Forms(value),
    ]),
  ];
}

function valuePattern(value: string): string {
  const chars = [...value].map(characterPattern).join('');
  // Longest first: the padded encoding must win over its own unpadded core.
  const base64 = base64Forms(value).sort((left, right) => right.length - left.length);
  return [chars, ...base64.map(escapeRegExp)].join('|');
}

export interface SecretMatcher {
  /** Replaces every known secret, in any of its forms, with `[redacted]`. */
  redact(text: string): string;
  /**
   * Redacts, cuts to `max` characters (adding `…` when it cut), and drops a tail that is the
   * start of a secret (a key straddling an earlier cut, such as a read limit).
   */
  redactAndCut(text: string, max: number): string;
  /** Drops a tail of at least 4 characters that is the start of a secret in one of its forms. */
  dropSecretTail(text: string): string;
}

export function createSecretMatcher(values: Iterable<string>): SecretMatcher {
  // Longest first, so a secret containing another is replaced whole.
  const secrets = [...new Set(values)]
    .filter((value) => value.length >= MIN_SECRET_LENGTH)
    .sort((left, right) => right.length - left.length);
  const pattern = secrets.length === 0 ? undefined : new RegExp(secrets.map(valuePattern).join('|'), 'g');
  const prefixes = secrets.flatMap(literalForms);
  const redact = (text: string) => (pattern ? text.replace(pattern, REDACTED) : text);
  const dropSecretTail = (text: string) => {
    for (const form of prefixes) {
      for (let length = Math.min(form.length - 1, text.length); length >= MIN_SECRET_LENGTH; length--) {
        if (text.endsWith(form.slice(0, length))) return text.slice(0, text.length - length).trimEnd();
      }
    }
    return text;
  };
  return {
    redact,
    dropSecretTail,
    redactAndCut(text, max) {
      const clean = dropSecretTail(redact(text));
      if (clean.length <= max) return clean;
      return `${dropSecretTail(clean.slice(0, max))}…`;
    },
  };
}
