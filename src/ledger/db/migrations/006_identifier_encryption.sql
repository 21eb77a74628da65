-- Identifiers at rest: the value of each identifier is sealed with AES-256-GCM under
-- LEDGER_ENCRYPTION_KEY; key_id names the key (a hash of it) so keys can rotate. The clear
-- `value` column stays only for rows written before this migration: opening the ledger seals
-- them in one transaction and empties it (the key lives in the environment, not in SQL).
ALTER TABLE subject_identifier ADD COLUMN value_ciphertext text;
ALTER TABLE subject_identifier ADD COLUMN key_id text;
ALTER TABLE subject_identifier ALTER COLUMN value DROP NOT NULL;
ALTER TABLE subject_identifier ADD CONSTRAINT subject_identifier_sealed_with_key CHECK ((value_ciphertext IS NULL) = (key_id IS NULL));
ALTER TABLE subject_identifier ADD CONSTRAINT subject_identifier_value_once CHECK ((value IS NULL) <> (value_ciphertext IS NULL));
-- The start-up check ("is every row under a key we hold?") and rotate-key find rows by key.
CREATE INDEX subject_identifier_key ON subject_identifier (key_id);
