-- Dashboard sign-in: browser sessions opened with an API token or a one-time code, and those codes.
-- Like API tokens, only a SHA-256 of each session secret and code is stored. A session acts with
-- the role of the token it was opened with, and ends when that token is revoked.
CREATE TABLE sluice.sessions (
  id uuid PRIMARY KEY,
  token_name text NOT NULL REFERENCES sluice.api_tokens (name) ON DELETE CASCADE,
  session_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_token_name_idx ON sluice.sessions (token_name);
CREATE INDEX sessions_expires_at_idx ON sluice.sessions (expires_at);

CREATE TABLE sluice.sign_in_codes (
  code_hash text PRIMARY KEY,
  token_name text NOT NULL REFERENCES sluice.api_tokens (name) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX sign_in_codes_expires_at_idx ON sluice.sign_in_codes (expires_at);
