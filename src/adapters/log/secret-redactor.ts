// Replaces the values of known secrets in any text on its way to logs, run errors or responses.
import { createSecretMatcher, MIN_SECRET_LENGTH, type SecretMatcher } from './secret-forms.ts';

export interface SecretRedactor {
  /** Registers a secret value; values shorter than 4 characters are ignored (they would mangle text). */
  add(value: string | undefined): void;
  /** Replaces each secret in every form an upstream may echo it (see secret-forms.ts). */
  redact(text: string): string;
}

export function createSecretRedactor(): SecretRedactor {
  const values = new Set<string>();
  let matcher: SecretMatcher = createSecretMatcher([]);
  return {
    add(value) {
      if (value && value.length >= MIN_SECRET_LENGTH && !values.has(value)) {
        values.add(value);
        matcher = createSecretMatcher(values);
      }
    },
    redact(text) {
      return matcher.redact(text);
    },
  };
}

/** One process-wide redactor: sources register secrets as they read them. */
export const secretRedactor = createSecretRedactor();
