// JSON request bodies whose string values may hold `{{param}}` placeholders (an asyncJob's submit,
// an http() POST): checked at load time like URL templates, rendered per call.
import { parseTemplate, renderTemplate, type TemplatePart } from './template.ts';

/** A JSON request body whose string values may hold `{{param}}` templates. */
export type JsonTemplate =
  | string
  | number
  | boolean
  | null
  | JsonTemplate[]
  | { [key: string]: JsonTemplate };

/** Every string of the body, parsed: load-time checks see each placeholder with where it sits. */
export function jsonTemplateParts(
  body: JsonTemplate,
  path = 'body',
): Array<{ where: string; parts: TemplatePart[] }> {
  if (typeof body === 'string') return [{ where: path, parts: parseTemplate(body) }];
  if (Array.isArray(body)) return body.flatMap((item, index) => jsonTemplateParts(item, `${path}[${index}]`));
  if (typeof body === 'object' && body !== null) {
    return Object.entries(body).flatMap(([key, value]) => jsonTemplateParts(value, `${path}.${key}`));
  }
  return [];
}

/** The body with each string's placeholders filled; numbers, booleans and null stay as they are. */
export function renderJsonTemplate(
  body: JsonTemplate,
  params: Readonly<Record<string, string>>,
): JsonTemplate {
  if (typeof body === 'string') return renderTemplate(parseTemplate(body), params);
  if (Array.isArray(body)) return body.map((item) => renderJsonTemplate(item, params));
  if (typeof body === 'object' && body !== null) {
    return Object.fromEntries(
      Object.entries(body).map(([key, value]) => [key, renderJsonTemplate(value, params)]),
    );
  }
  return body;
}
