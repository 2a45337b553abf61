// Replaces the values of known secrets in any text on its way to logs, run errors or responses.

export interface SecretRedactor {
  /** Registers a secret value; values shorter than 4 characters are ignored (they would mangle text). */
  add(value: string | undefined): void;
  redact(text: string): string;
}

export function createSecretRedactor(): SecretRedactor {
  const values = new Set<string>();
  return {
    add(value) {
      if (value && value.length >= 4) {
        values.add(value);
        values.add(encodeURIComponent(value));
      }
    },
    redact(text) {
      let out = text;
      for (const value of values) if (out.includes(value)) out = out.split(value).join('[redacted]');
      return out;
    },
  };
}

/** One process-wide redactor: sources register secrets as they read them. */
export const secretRedactor = createSecretRedactor();
