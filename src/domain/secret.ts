// secret(): a value read from the environment when a source runs, never written anywhere.
import { ConfigError } from './errors.ts';

/** A value read from an environment variable when the source runs; never logged or stored. */
export interface SecretRef {
  readonly kind: 'secret';
  readonly env: string;
}

export function secret(env: string): SecretRef {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) {
    throw new ConfigError(`secret("${env}"): not a valid environment variable name`);
  }
  return { kind: 'secret', env };
}

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'secret';
}
