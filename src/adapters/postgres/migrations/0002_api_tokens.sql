-- API bearer tokens: only a SHA-256 of each token is stored; the token is shown once.
CREATE TABLE sluice.api_tokens (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
