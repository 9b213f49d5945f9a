-- The console's single sign-on, shared by every gateway replica (any of them can finish a sign-in another began).
-- Each row is found by the SHA-256 of a 256-bit secret only the browser holds (the state, the hand-off code, the session
-- cookie); what must be used again (the PKCE verifier, the nonce, the provider's tokens) is sealed with AES-GCM under a
-- key derived from that secret and the gateway's own key, so neither this table nor the browser alone can open it.

-- Sign-ins sent to the identity provider and not back yet.
CREATE TABLE sso_flows (
    state_sha256 char(64)      PRIMARY KEY,
    sealed       text          NOT NULL,   -- verifier and nonce
    redirect_uri varchar(2048) NOT NULL,
    created_at   timestamptz   NOT NULL,
    expires_at   timestamptz   NOT NULL
);
CREATE INDEX sso_flows_by_expiry ON sso_flows (expires_at);

-- Finished sign-ins waiting for the console page to take their tokens, once.
CREATE TABLE sso_handoffs (
    code_sha256 char(64)    PRIMARY KEY,
    sealed      text        NOT NULL,      -- access token, its lifetime, the refresh token if any
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sso_handoffs_by_expiry ON sso_handoffs (expires_at);

-- A browser's sign-in that can be renewed: the provider's refresh token, bound to the browser's HttpOnly cookie.
CREATE TABLE sso_sessions (
    cookie_sha256     char(64)    PRIMARY KEY,
    sealed            text        NOT NULL, -- the refresh token
    created_at        timestamptz NOT NULL,
    last_refreshed_at timestamptz,
    expires_at        timestamptz NOT NULL
);
CREATE INDEX sso_sessions_by_expiry ON sso_sessions (expires_at);
