// Turns an http source definition and run parameters into a concrete request, with secrets kept apart.
import { ErrorCode, SourceError } from '../../domain/errors.ts';
import type { HttpBody } from '../../domain/http-body.ts';
import { renderJsonTemplate } from '../../domain/json-template.ts';
import type { HttpSourceDefinition, ParsedValue } from '../../domain/source-definition.ts';
import { renderTemplate } from '../../domain/template.ts';
import { readSecret } from '../config/settings.ts';
import { createSecretMatcher, REDACTED } from '../log/secret-forms.ts';
import { secretRedactor } from '../log/secret-redactor.ts';

export { REDACTED };

export interface PreparedRequest {
  /** The URL actually requested; may contain secrets, so it never goes into messages or origins. */
  readonly url: string;
  /** The same URL with every secret value replaced by `[redacted]`: safe to show and store. */
  readonly shownUrl: string;
  /** Every declared header (lower-case names): none of them is sent to another origin. */
  readonly headers: Record<string, string>;
  /** A POST's body, rendered; it may hold secrets (form values), so it goes to the first origin only. */
  readonly body: { readonly contentType: string; readonly text: string } | undefined;
  /** The values of secret() query parameters, headers and form values, kept off other origins. */
  readonly secrets: readonly string[];
  /** Replaces secret values, in every encoding, in any text built from upstream or undici messages. */
  readonly redact: (text: string) => string;
  /** Redacts, then cuts to `max` characters, dropping a tail that starts a secret. */
  readonly redactAndCut: (text: string, max: number) => string;
}

function secretValue(env: string): string {
  const value = readSecret(env);
  // An empty value is treated as missing: it is never a working key, and it could not be redacted.
  if (value === undefined || value === '') {
    throw new SourceError(
      ErrorCode.source,
      `environment variable ${env} is not set (it holds a secret this source needs)`,
    );
  }
  secretRedactor.add(value);
  return value;
}

export function prepareRequest(
  source: HttpSourceDefinition,
  params: Readonly<Record<string, string>>,
): PreparedRequest {
  const secrets: string[] = [];
  const resolve = (value: ParsedValue): { value: string; shown: string } => {
    if ('template' in value) {
      const rendered = renderTemplate(value.template, params);
      return { value: rendered, shown: rendered };
    }
    const resolved = secretValue(value.env);
    secrets.push(resolved);
    return { value: resolved, shown: REDACTED };
  };

  const rendered = renderTemplate(source.url, params, encodeURIComponent);
  let url: URL;
  let shownUrl: URL;
  try {
    url = new URL(rendered);
    shownUrl = new URL(rendered);
  } catch (error) {
    throw new SourceError(
      ErrorCode.source,
      `http source "${source.name}": "${rendered}" is not a valid URL`,
      {
        cause: error,
        retryable: false,
      },
    );
  }
  for (const [name, entry] of source.query) {
    const { value, shown } = resolve(entry);
    url.searchParams.append(name, value);
    shownUrl.searchParams.append(name, shown);
  }
  const headers: Record<string, string> = {};
  for (const [name, entry] of source.headers) headers[name.toLowerCase()] = resolve(entry).value;
  const body = renderBody(source.body, params, (value) => resolve(value).value);
  const matcher = createSecretMatcher(secrets);
  return {
    url: url.toString(),
    // URLSearchParams writes `[redacted]` as `%5Bredacted%5D`; the readable form is friendlier.
    shownUrl: shownUrl.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED),
    headers,
    body,
    secrets,
    redact: matcher.redact,
    redactAndCut: matcher.redactAndCut,
  };
}

function renderBody(
  body: HttpBody | undefined,
  params: Readonly<Record<string, string>>,
  resolved: (value: ParsedValue) => string,
): PreparedRequest['body'] {
  if (body === undefined) return undefined;
  if (body.kind === 'json') {
    return { contentType: 'application/json', text: JSON.stringify(renderJsonTemplate(body.json, params)) };
  }
  const form = new URLSearchParams();
  for (const [name, value] of body.fields) form.append(name, resolved(value));
  return { contentType: 'application/x-www-form-urlencoded', text: form.toString() };
}
