// A provider's scope: which shared state (breaker, Retry-After, rate limit, concurrency, stats) one call uses.
// Unscoped, that is the provider's name; scoped, the name and the scope rendered from the run's parameters.
import { ConfigError } from './errors.ts';
import { renderTemplate, type TemplatePart } from './template.ts';

/** Between the provider's name and its rendered scope in a stored state key. */
export const SCOPE_SEPARATOR = '|';

/** The stored key: `<provider>` unscoped (as before scopes existed), `<provider>|<scope>` scoped. */
export function providerStateKey(provider: string, scope: string | undefined): string {
  return scope === undefined ? provider : `${provider}${SCOPE_SEPARATOR}${scope}`;
}

/** The name operators see and reset: `pioupiou` or `pioupiou[annecy]`. */
export function providerStateName(provider: string, scope: string | undefined): string {
  return scope === undefined ? provider : `${provider}[${scope}]`;
}

/** Renders a provider's scope for one call; an empty result is refused, it would merge with nothing. */
export function renderScope(
  provider: string,
  scope: readonly TemplatePart[] | undefined,
  params: Readonly<Record<string, string>>,
): string | undefined {
  if (scope === undefined) return undefined;
  const rendered = renderTemplate(scope, params);
  if (rendered === '')
    throw new ConfigError(
      `source "${provider}": its scope rendered empty; give every scope parameter a value`,
    );
  return rendered;
}

/**
 * The provider and scope a stored key or a shown name stands for, given the declared provider
 * names; undefined scope for an unscoped key. A key no declared provider explains is its own provider.
 */
export function parseStateName(
  name: string,
  providers: Iterable<string>,
): { provider: string; scope: string | undefined } {
  const known = [...providers];
  if (known.includes(name)) return { provider: name, scope: undefined };
  // Longest name first: a provider named `a|b` must win over one named `a`.
  for (const provider of known.sort((a, b) => b.length - a.length)) {
    if (name.startsWith(`${provider}${SCOPE_SEPARATOR}`))
      return { provider, scope: name.slice(provider.length + 1) };
    if (name.startsWith(`${provider}[`) && name.endsWith(']'))
      return { provider, scope: name.slice(provider.length + 1, -1) };
  }
  return { provider: name, scope: undefined };
}
