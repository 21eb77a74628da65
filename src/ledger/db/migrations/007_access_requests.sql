-- Access requests ("a copy of my data") as cases: where the request was made and how to reach the
-- customer again, the fan-out to the company's data sources as durable jobs, the assembled copy
-- stored encrypted in chunks, and the notices to the customer as an outbox. Any instance may run any
-- job (leases + FOR UPDATE SKIP LOCKED, as the consent webhook does); a restart loses nothing.

ALTER TABLE data_request
  -- Channel the customer asked on ('webchat', 'msteams', 'directline', …).
  ADD COLUMN channel text,
  -- How to reach the conversation again (route + Bot Framework conversation reference: channel ids, no personal data).
  ADD COLUMN conversation jsonb,
  -- The customer's language and IANA time zone: the copy and every notice use them.
  ADD COLUMN locale text,
  ADD COLUMN time_zone text,
  -- Data categories asked for; NULL = everything.
  ADD COLUMN categories jsonb,
  -- Kind of identifier the customer gave (email, phone, …): which contact on file the notices go to.
  ADD COLUMN contact_kind text,
  ADD COLUMN extension_reason text,
  -- Why the case cannot move on (a source that keeps failing), for the privacy team; NULL otherwise.
  ADD COLUMN blocked_reason text,
  -- Lease of the instance assembling the copy once every source is done.
  ADD COLUMN assembly_locked_until timestamptz,
  ADD COLUMN assembly_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN assembly_error text;

ALTER TABLE data_request_status DROP CONSTRAINT data_request_status_status_check;
ALTER TABLE data_request_status ADD CONSTRAINT data_request_status_status_check CHECK (status IN (
  'received', 'awaiting_verification', 'verified', 'in_progress', 'blocked', 'awaiting_review',
  'extended', 'fulfilled', 'rejected', 'withdrawn'));

-- One open access request per subject: a customer asking twice gets the open case back (also under a race).
CREATE UNIQUE INDEX data_request_one_open ON data_request (subject_id, type)
  WHERE status IN ('received', 'awaiting_verification', 'verified', 'in_progress', 'blocked', 'awaiting_review');
CREATE INDEX data_request_open_due ON data_request (due_at)
  WHERE status IN ('received', 'awaiting_verification', 'verified', 'in_progress', 'blocked', 'awaiting_review');

-- One job per request × configured source.
CREATE TABLE data_request_source (
  request_id uuid NOT NULL REFERENCES data_request (id),
  source_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'waiting', 'retrying', 'done', 'failed')),
  -- Runs started (a crash during a run counts too); also fences a late report of an expired lease.
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  -- Lease of the instance running it.
  locked_until timestamptz,
  -- An HTTP source answered 202: its results are expected (POSTed back) by then, or the job is retried.
  waiting_until timestamptz,
  -- "HTTP 503", "timeout", "body over 50 MB", "invalid JSON": the kind of failure, never data.
  last_error text,
  record_count integer,
  started_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (request_id, source_id)
);
CREATE INDEX data_request_source_due ON data_request_source (next_attempt_at) WHERE status IN ('pending', 'retrying', 'running', 'waiting');

-- A source's records, in pages (sealed JSON arrays), so a large answer is never held whole in memory.
CREATE TABLE data_request_record_page (
  request_id uuid NOT NULL,
  source_id text NOT NULL,
  page integer NOT NULL,
  record_count integer NOT NULL,
  -- AES-256-GCM under the ledger key (iv ‖ tag ‖ ciphertext), bound to request, source and page.
  sealed bytea NOT NULL,
  key_id text NOT NULL,
  PRIMARY KEY (request_id, source_id, page),
  FOREIGN KEY (request_id, source_id) REFERENCES data_request_source (request_id, source_id)
);

-- The assembled copy (a ZIP), stored encrypted in chunks in the database every instance shares.
CREATE TABLE data_copy (
  request_id uuid PRIMARY KEY REFERENCES data_request (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  size_bytes bigint NOT NULL,
  -- SHA-256 of the ZIP as delivered (hex).
  sha256 text NOT NULL,
  -- SHA-256 of the download link's 256-bit token (hex); set when the copy is released.
  token_hash text UNIQUE,
  released_at timestamptz,
  released_by text,
  downloads integer NOT NULL DEFAULT 0,
  max_downloads integer NOT NULL,
  -- When the expiry job erased the chunks; the row stays as evidence that a copy existed.
  deleted_at timestamptz,
  -- Set while the ZIP streams into its chunks (the writer's id: fences a stale writer), NULL once the copy is
  -- complete; size_bytes and sha256 are final only then. Chunks are written outside one long transaction (on
  -- PGlite that would stall every other ledger query, the records being read included), so readers skip such rows.
  writer_id uuid
);
CREATE TABLE data_copy_chunk (
  request_id uuid NOT NULL REFERENCES data_copy (request_id),
  seq integer NOT NULL,
  sealed bytea NOT NULL,
  key_id text NOT NULL,
  PRIMARY KEY (request_id, seq)
);

-- What the customer must be told (copy ready, extension, refusal), sent after the commit by any instance.
CREATE TABLE data_request_notice (
  id uuid PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES data_request (id),
  kind text NOT NULL CHECK (kind IN ('ready', 'extended', 'refused')),
  -- ready: the download token, sealed, erased once the notice went out (only its hash stays, in data_copy).
  link_token_sealed bytea,
  key_id text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_until timestamptz,
  -- Which ways reached the customer: the conversation (when still open) and the contact on file.
  chat_delivered boolean NOT NULL DEFAULT false,
  contact_delivered boolean NOT NULL DEFAULT false,
  last_error text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz
);
CREATE INDEX data_request_notice_due ON data_request_notice (next_attempt_at) WHERE status = 'pending';

-- Webhook-Id of each results POST a data source made (POST /api/sources/:id/results/:reference), kept for
-- twice the signature tolerance: the same signed POST replayed within it is refused, on every instance.
CREATE TABLE data_source_delivery (
  source_id text NOT NULL,
  webhook_id text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (source_id, webhook_id)
);
CREATE INDEX data_source_delivery_received ON data_source_delivery (received_at);
