-- Signed consent receipts (Kantara Consent Receipt v1.1 / ISO/IEC TS 27560): one row per receipt the
-- customer was given after a consent change, written in the same transaction as the change.
CREATE TABLE consent_receipt (
  -- The receipt's consentReceiptID.
  id uuid PRIMARY KEY,
  subject_id uuid NOT NULL REFERENCES subject (id),
  -- Same key again (a re-run of the same turn) returns this receipt instead of issuing another.
  idempotency_key text UNIQUE,
  -- SHA-256 (hex) of the link token: the token itself is never stored, so the table cannot open links.
  token_hash text NOT NULL UNIQUE,
  -- The signed payload, as JSON for queries; the JWS is what proves it.
  receipt jsonb NOT NULL,
  -- Compact JWS (EdDSA) over the canonical JSON of the receipt.
  jws text NOT NULL,
  issued_at timestamptz NOT NULL
);
CREATE INDEX consent_receipt_subject ON consent_receipt (subject_id, issued_at);

-- A receipt given to a customer is evidence: never changed, never deleted (like consent_event).
CREATE TRIGGER consent_receipt_append_only BEFORE UPDATE OR DELETE ON consent_receipt FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
