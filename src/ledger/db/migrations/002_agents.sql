-- Accounts of the human agents who verify identities and take over conversations.
CREATE TABLE agent_account (
  username text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
  role text NOT NULL CHECK (role IN ('agent', 'supervisor')),
  -- scrypt$N$r$p$salt$hash (base64url); never the password.
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  disabled_at timestamptz
);
