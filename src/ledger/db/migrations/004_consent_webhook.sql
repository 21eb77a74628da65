-- Transactional outbox of the consent webhook: one row per recorded consent batch, written in the
-- same transaction as its events, so a change the ledger committed is never lost on its way to the
-- company's downstream systems, and a rolled-back change is never announced.
CREATE TABLE webhook_delivery (
  -- The Webhook-Id header and the payload's id: receivers deduplicate on it.
  id uuid PRIMARY KEY,
  -- Enqueue order; a subject's deliveries go out in this order (head of line per subject).
  seq bigserial NOT NULL UNIQUE,
  topic text NOT NULL CHECK (topic IN ('consent.changed')),
  -- Pseudonymous ledger id; the payload carries no email, phone or name.
  subject_id uuid NOT NULL REFERENCES subject (id),
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
  -- Posts started (a crash during a post counts too).
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  -- Lease of the dispatcher posting it: no other instance claims the row before this instant.
  locked_until timestamptz,
  last_attempt_at timestamptz,
  last_status_code integer,
  -- "HTTP 503", "ECONNREFUSED", "timeout": the kind of failure, never a response body or personal data.
  last_error text,
  delivered_at timestamptz
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX webhook_delivery_subject_pending ON webhook_delivery (subject_id, seq) WHERE status = 'pending';
