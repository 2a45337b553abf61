// What an http() source sends besides its URL: the method, and for POST a JSON or form body whose
// values may hold `{{param}}` placeholders (form values may also be secrets, e.g. a client secret).
import { ConfigError } from './errors.ts';
import { type JsonTemplate, jsonTemplateParts } from './json-template.ts';
import { isSecretRef, type SecretRef } from './secret.ts';
import { parseTemplate, type TemplatePart } from './template.ts';

export const HttpMethod = { get: 'GET', post: 'POST' } as const;
export type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod];

/** A POST body: JSON (`content-type: application/json`) or a form (`application/x-www-form-urlencoded`). */
export type HttpBodyOptions = { json: JsonTemplate } | { form: Record<string, string | SecretRef> };

export type FormValue = { template: TemplatePart[] } | SecretRef;

export type HttpBody =
  | { readonly kind: 'json'; readonly json: JsonTemplate }
  | { readonly kind: 'form'; readonly fields: ReadonlyArray<readonly [string, FormValue]> };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The method and body as declared, checked: a body needs POST, and is exactly one of json or form. */
export function parseHttpBody(
  label: string,
  method: unknown,
  body: unknown,
): { method: HttpMethod; body: HttpBody | undefined } {
  const chosen = method ?? HttpMethod.get;
  if (!Object.values(HttpMethod).some((known) => known === chosen)) {
    throw new ConfigError(`${label}: unknown method ${JSON.stringify(method)} (use 'GET' or 'POST')`);
  }
  const verb = chosen as HttpMethod;
  if (body === undefined) return { method: verb, body: undefined };
  if (verb !== HttpMethod.post) {
    throw new ConfigError(
      `${label}: a body is sent with method: 'POST' only; add method: 'POST' or drop body`,
    );
  }
  const keys = isObject(body) ? Object.keys(body) : [];
  if (!isObject(body) || keys.length !== 1 || !(keys[0] === 'json' || keys[0] === 'form')) {
    throw new ConfigError(
      `${label}: body must be { json: … } or { form: { name: value } }, got ${JSON.stringify(body)}`,
    );
  }
  if ('json' in body) {
    // Functions, undefined, bigint, NaN and class instances are not JSON: refused now, not on the first call.
    if (!isPlainJson(body.json)) {
      throw new ConfigError(
        `${label}: body.json must be plain JSON (objects, arrays, strings, finite numbers, booleans, null)`,
      );
    }
    return { method: verb, body: { kind: 'json', json: body.json } };
  }
  if (!isObject(body.form)) throw new ConfigError(`${label}: body.form must be an object of name: value`);
  const fields = Object.entries(body.form).map(([name, value]) => {
    if (isSecretRef(value)) return [name, value] as const;
    if (typeof value !== 'string')
      throw new ConfigError(`${label}: body.form "${name}" must be a string or secret()`);
    return [name, { template: parseTemplate(value) }] as const;
  });
  return { method: verb, body: { kind: 'form', fields } };
}

/** The body's placeholders with where each sits, for the load-time check against the pipeline's parameters. */
export function httpBodyTemplates(
  body: HttpBody | undefined,
): Array<{ where: string; parts: TemplatePart[] }> {
  if (body === undefined) return [];
  if (body.kind === 'json') return jsonTemplateParts(body.json);
  return body.fields.flatMap(([name, value]) =>
    'template' in value ? [{ where: `body.form "${name}"`, parts: value.template }] : [],
  );
}

function isPlainJson(value: unknown, depth = 0): value is JsonTemplate {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1));
  if (!isObject(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every((item) => isPlainJson(item, depth + 1));
}
