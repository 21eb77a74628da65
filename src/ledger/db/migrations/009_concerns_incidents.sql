-- Concerns reported in chat and triaged by the privacy team; breach incidents holding the Art. 33(3) record,
-- built in phases (Art. 33(4)); incident mode (a notice per language, the affected subjects, one Art. 34 notice
-- each); the DPO alert (a signed webhook through the webhook outbox, and an email) and the team's replies to
-- customers, both sent after the commit by any instance (leases + FOR UPDATE SKIP LOCKED).

-- A breach: the reports about it, the instant the controller became aware (every clock runs from it), the
-- regimes of the people affected (one clock each) and the Art. 33(3) record as it stands.
CREATE TABLE incident (
  id uuid PRIMARY KEY,
  -- e.g. INC-2026-7KQ4ZD-Q (prefix, year, six random symbols, a check symbol)
  reference text NOT NULL UNIQUE,
  title text NOT NULL,
  -- The earliest awareness of its confirmed concerns; never later than the moment it was recorded.
  awareness_at timestamptz NOT NULL,
  -- Why awareness is earlier than the confirmation, when it is (the team's words).
  awareness_reason text,
  regimes text[] NOT NULL CHECK (cardinality(regimes) > 0 AND regimes <@ ARRAY['gdpr', 'uk-gdpr', 'ccpa', 'lgpd', 'pipeda']::text[]),
  state text NOT NULL CHECK (state IN ('open', 'notified', 'closed')),
  -- Art. 33(3): nature, dataCategories, approxSubjects, approxRecords, likelyConsequences, measures, dpoContact,
  -- delayReasons. Each change is a row of incident_phase.
  record jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  notified_at timestamptz,
  notified_by text
);
CREATE INDEX incident_open ON incident (awareness_at) WHERE state = 'open';

-- Each addition to the Art. 33(3) record (Art. 33(4): information in phases): which fields, their new values,
-- who and when. Append-only, like every record of what happened.
CREATE TABLE incident_phase (
  incident_id uuid NOT NULL REFERENCES incident (id),
  seq integer NOT NULL,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  fields text[] NOT NULL,
  changes jsonb NOT NULL,
  PRIMARY KEY (incident_id, seq)
);
CREATE TRIGGER incident_phase_append_only BEFORE UPDATE OR DELETE ON incident_phase FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- What the team tells customers about an incident, per language (incident mode). The team's words for the
-- public, not personal data: stored in clear. Published = published_at set and withdrawn_at not.
CREATE TABLE incident_notice (
  incident_id uuid PRIMARY KEY REFERENCES incident (id),
  -- { "<locale>": { "whatHappened", "whatData", "whatWeDo", "whatYouShouldDo" } }
  texts jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL,
  published_at timestamptz,
  withdrawn_at timestamptz
);
-- One published notice at a time: the bot answers from it before anything else, so two would contradict each
-- other. Publishing a second one is refused until the first is withdrawn.
CREATE UNIQUE INDEX incident_notice_one_published ON incident_notice ((true)) WHERE published_at IS NOT NULL AND withdrawn_at IS NULL;

-- The people a breach affected, imported by the team (identifiers resolved to subjects, all or nothing).
CREATE TABLE incident_affected (
  incident_id uuid NOT NULL REFERENCES incident (id),
  subject_id uuid NOT NULL REFERENCES subject (id),
  added_at timestamptz NOT NULL,
  -- The import that named them (a file name), for the record.
  source text NOT NULL,
  PRIMARY KEY (incident_id, subject_id)
);
CREATE INDEX incident_affected_subject ON incident_affected (subject_id);

-- The Art. 34 notice to each affected person: one row per incident × subject (each sent once), sent by any
-- instance while the incident's notice is published, retried until the contact on file took it.
CREATE TABLE incident_subject_notice (
  id uuid PRIMARY KEY,
  incident_id uuid NOT NULL,
  subject_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_until timestamptz,
  -- Which ways reached the person: their conversation (when one is known) and the contact on file.
  chat_delivered boolean NOT NULL DEFAULT false,
  contact_delivered boolean NOT NULL DEFAULT false,
  -- "ECONNREFUSED", "HTTP 503": the kind of failure, never an address.
  last_error text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  UNIQUE (incident_id, subject_id),
  FOREIGN KEY (incident_id, subject_id) REFERENCES incident_affected (incident_id, subject_id)
);
CREATE INDEX incident_subject_notice_due ON incident_subject_notice (next_attempt_at) WHERE status = 'pending';

-- Concerns as the report dialog records them. The customer's words (what happened, and their own phrases of
-- when and of which data, as one JSON document) and a contact they typed are sealed with AES-256-GCM under the
-- ledger key (like identifiers; key_id names the key). description_redacted and occurred_phrase stay only for
-- rows written before this migration and are no longer written.
ALTER TABLE concern
  -- What it is about: a suspected breach of my data / how you use my data / an answer I got / something else.
  ADD COLUMN topic text CHECK (topic IN ('breach', 'use', 'answer', 'other')),
  ADD COLUMN description_sealed bytea,
  ADD COLUMN key_id text,
  -- Purpose/category ids recognised in what the customer said about which data (their words are in the seal).
  ADD COLUMN data_categories jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- An email or phone typed for the reply by a customer who did not say who they are; sealed.
  ADD COLUMN contact_sealed bytea,
  ADD COLUMN contact_key_id text,
  -- Where it was reported ('webchat', 'msteams', …) and how to reach the conversation again (channel ids, no personal data).
  ADD COLUMN channel text,
  ADD COLUMN conversation jsonb,
  ADD COLUMN locale text,
  ADD COLUMN time_zone text,
  -- Why awareness was set earlier than the confirmation (the team's words).
  ADD COLUMN awareness_reason text,
  ADD COLUMN incident_id uuid REFERENCES incident (id),
  -- The DPO alert's webhook delivery (topic dpo.alert), when one was raised.
  ADD COLUMN dpo_alert_delivery_id uuid REFERENCES webhook_delivery (id);
ALTER TABLE concern ALTER COLUMN description_redacted DROP NOT NULL;
ALTER TABLE concern ALTER COLUMN category DROP NOT NULL;
ALTER TABLE concern ALTER COLUMN severity DROP NOT NULL;
ALTER TABLE concern ADD CONSTRAINT concern_description_sealed_with_key CHECK ((description_sealed IS NULL) = (key_id IS NULL));
ALTER TABLE concern ADD CONSTRAINT concern_contact_sealed_with_key CHECK ((contact_sealed IS NULL) = (contact_key_id IS NULL));

-- Rows from before: their category becomes a topic, their status one of the new states (the history keeps the old ones).
UPDATE concern SET topic = CASE category WHEN 'suspected_breach' THEN 'breach' WHEN 'misuse' THEN 'use' WHEN 'unwanted_marketing' THEN 'use' ELSE 'other' END;
UPDATE concern SET status = CASE status
  WHEN 'notified_authority' THEN 'confirmed_breach'
  WHEN 'resolved' THEN 'answered'
  WHEN 'dismissed' THEN 'dismissed'
  ELSE 'reported' END;
ALTER TABLE concern ALTER COLUMN topic SET NOT NULL;
ALTER TABLE concern ADD CONSTRAINT concern_status_check CHECK (status IN ('reported', 'confirmed_breach', 'dismissed', 'merged', 'answered'));
CREATE INDEX concern_incident ON concern (incident_id);
CREATE INDEX concern_subject ON concern (subject_id);

ALTER TABLE concern_status DROP CONSTRAINT concern_status_status_check;
ALTER TABLE concern_status ADD CONSTRAINT concern_status_status_check CHECK (status IN (
  'reported', 'confirmed_breach', 'dismissed', 'merged', 'answered',
  -- states of rows written before this migration
  'triaged', 'investigating', 'notified_authority', 'resolved'));

-- The DPO alert goes through the webhook outbox under its own topic, posted to DPO_WEBHOOK_URL by a dispatcher
-- that claims only that topic. It is about a concern, not a subject: subject_id is empty.
ALTER TABLE webhook_delivery DROP CONSTRAINT webhook_delivery_topic_check;
ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_topic_check CHECK (topic IN ('consent.changed', 'dpo.alert'));
ALTER TABLE webhook_delivery ALTER COLUMN subject_id DROP NOT NULL;
ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_consent_has_subject CHECK (topic <> 'consent.changed' OR subject_id IS NOT NULL);
CREATE INDEX webhook_delivery_topic_due ON webhook_delivery (topic, next_attempt_at, seq) WHERE status = 'pending';

-- Messages about a concern sent after the commit by any instance: the DPO alert's email (to DPO_EMAIL, no free
-- text: nothing sealed) and the team's replies to the customer (the text sealed, bound to the row).
CREATE TABLE concern_message (
  id uuid PRIMARY KEY,
  concern_id uuid NOT NULL REFERENCES concern (id),
  kind text NOT NULL CHECK (kind IN ('dpo_email', 'reply')),
  body_sealed bytea,
  key_id text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_until timestamptz,
  chat_delivered boolean NOT NULL DEFAULT false,
  contact_delivered boolean NOT NULL DEFAULT false,
  last_error text,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  sent_at timestamptz,
  CHECK ((body_sealed IS NULL) = (key_id IS NULL)),
  CHECK (kind <> 'reply' OR body_sealed IS NOT NULL)
);
CREATE INDEX concern_message_due ON concern_message (kind, next_attempt_at) WHERE status = 'pending';
CREATE INDEX concern_message_concern ON concern_message (concern_id);
