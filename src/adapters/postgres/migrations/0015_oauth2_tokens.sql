-- OAuth 2 access tokens shared by every worker, one row per token endpoint, client and scope. The key
-- is a SHA-256 (the client id may be a secret); the token is sealed with AES-256-GCM under a key
-- derived from the client secret, which is never stored (see docs/security.md).
CREATE TABLE sluice.oauth2_tokens (
  cache_key    text PRIMARY KEY,
  token_url    text NOT NULL,
  sealed_token text,
  -- A refresh token the endpoint rotated (refresh-token grant), sealed like the access token.
  sealed_refresh_token text,
  refresh_at   timestamptz,
  expires_at   timestamptz,
  fetched_at   timestamptz
);
