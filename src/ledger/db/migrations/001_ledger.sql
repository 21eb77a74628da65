-- The privacy ledger: the system of record. Aligned with ISO/IEC TS 27560 consent records,
-- the Kantara Consent Receipt v1.1 and W3C DPV terms. Events are append-only and hash-chained.

-- A person. Identifiers live in subject_identifier, found by a keyed hash of the normalised value.
CREATE TABLE subject (
  id uuid PRIMARY KEY,
  regime text NOT NULL CHECK (regime IN ('gdpr', 'uk-gdpr', 'ccpa', 'lgpd', 'pipeda')),
  preferred_locale text,
  created_at timestamptz NOT NULL,
  -- Head of this subject's consent chain; the row is locked FOR UPDATE while appending.
  consent_chain_length integer NOT NULL DEFAULT 0,
  consent_chain_head text
);

CREATE TABLE subject_identifier (
  kind text NOT NULL CHECK (kind IN ('email', 'phone', 'customer_number', 'aad_object_id')),
  -- HMAC-SHA256 of "kind:normalised value" under LEDGER_HASH_KEY: the only lookup path.
  lookup_hash text NOT NULL,
  subject_id uuid NOT NULL REFERENCES subject (id),
  -- The normalised value (lower-case email, E.164 phone), for exports and agents' masked views.
  value text NOT NULL,
  added_at timestamptz NOT NULL,
  PRIMARY KEY (kind, lookup_hash)
);
CREATE INDEX subject_identifier_subject ON subject_identifier (subject_id);

-- Mirror of config/purposes.json at each start, so events can reference purposes.
CREATE TABLE purpose (
  id text PRIMARY KEY,
  dpv_purpose text NOT NULL,
  legal_basis text NOT NULL,
  channels text[] NOT NULL,
  notice_version text NOT NULL,
  notice_url text NOT NULL,
  definition jsonb NOT NULL,
  synced_at timestamptz NOT NULL
);

CREATE TABLE consent_event (
  id uuid PRIMARY KEY,
  subject_id uuid NOT NULL REFERENCES subject (id),
  -- Position in the subject's chain, 1-based: linear, no gaps, no forks.
  subject_seq integer NOT NULL,
  purpose_id text NOT NULL REFERENCES purpose (id),
  channel text NOT NULL CHECK (channel IN ('email', 'sms', 'phone', 'post', 'push', 'in_app')),
  state text NOT NULL CHECK (state IN ('given', 'withdrawn', 'refused', 'expired')),
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  collection_method text NOT NULL CHECK (collection_method IN ('import', 'web_chat', 'teams', 'agent', 'api')),
  notice_version text NOT NULL,
  language text NOT NULL,
  conversation_id text,
  actor text NOT NULL,
  evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- One write (one idempotency key) may record several events: batch_index tells them apart.
  idempotency_key text,
  batch_index smallint NOT NULL DEFAULT 0,
  prev_hash text,
  hash text NOT NULL UNIQUE,
  UNIQUE (subject_id, subject_seq),
  UNIQUE (idempotency_key, batch_index)
);

-- Current state per subject × purpose × channel, kept in the same transaction as each event.
CREATE TABLE consent_state (
  subject_id uuid NOT NULL REFERENCES subject (id),
  purpose_id text NOT NULL REFERENCES purpose (id),
  channel text NOT NULL,
  state text NOT NULL,
  event_id uuid NOT NULL REFERENCES consent_event (id),
  since timestamptz NOT NULL,
  PRIMARY KEY (subject_id, purpose_id, channel)
);

-- Data-subject requests (access now; more types later).
CREATE TABLE data_request (
  id uuid PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  subject_id uuid REFERENCES subject (id),
  type text NOT NULL,
  regime text NOT NULL,
  received_at timestamptz NOT NULL,
  acknowledge_by timestamptz,
  due_at timestamptz NOT NULL,
  extended_due_at timestamptz,
  status text NOT NULL,
  idempotency_key text UNIQUE
);
CREATE TABLE data_request_status (
  id bigserial PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES data_request (id),
  status text NOT NULL CHECK (status IN ('received', 'awaiting_verification', 'verified', 'in_progress', 'extended', 'fulfilled', 'rejected', 'withdrawn')),
  reason text,
  actor text NOT NULL,
  at timestamptz NOT NULL
);

-- Concerns and suspected breaches.
CREATE TABLE concern (
  id uuid PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  subject_id uuid REFERENCES subject (id),
  category text NOT NULL,
  description_redacted text NOT NULL,
  occurred_at timestamptz,
  occurred_phrase text,
  reported_at timestamptz NOT NULL,
  suspected_breach boolean NOT NULL,
  awareness_at timestamptz,
  authority_due_at timestamptz,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  status text NOT NULL,
  idempotency_key text UNIQUE
);
CREATE TABLE concern_status (
  id bigserial PRIMARY KEY,
  concern_id uuid NOT NULL REFERENCES concern (id),
  status text NOT NULL CHECK (status IN ('reported', 'triaged', 'investigating', 'notified_authority', 'resolved', 'dismissed')),
  reason text,
  actor text NOT NULL,
  at timestamptz NOT NULL
);

CREATE TABLE verification (
  id uuid PRIMARY KEY,
  subject_id uuid NOT NULL REFERENCES subject (id),
  method text NOT NULL CHECK (method IN ('agent_check', 'channel_authenticated', 'document', 'knowledge')),
  level text NOT NULL CHECK (level IN ('anonymous', 'identified', 'verified')),
  agent text,
  outcome text NOT NULL CHECK (outcome IN ('verified', 'failed')),
  at timestamptz NOT NULL,
  notes text,
  idempotency_key text UNIQUE
);

-- Every change to any ledger table, with actor and reason, in one global hash chain.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  entity text NOT NULL,
  entity_id text NOT NULL,
  reason text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash text,
  hash text NOT NULL UNIQUE
);
-- Head of the audit chain; its one row is locked while appending, so the chain stays linear.
CREATE TABLE audit_chain_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  hash text
);
INSERT INTO audit_chain_head (id, seq, hash) VALUES (true, 0, NULL);

-- Append-only, enforced by the database too: the code never updates or deletes events.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER consent_event_append_only BEFORE UPDATE OR DELETE ON consent_event FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER data_request_status_append_only BEFORE UPDATE OR DELETE ON data_request_status FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER concern_status_append_only BEFORE UPDATE OR DELETE ON concern_status FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER verification_append_only BEFORE UPDATE OR DELETE ON verification FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
