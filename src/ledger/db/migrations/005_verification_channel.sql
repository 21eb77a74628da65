-- Customers verify themselves: a one-time code sent to the contact on file, or a site that signed
-- its customer in and vouches for them to Web Chat. Each verification also names the channel it
-- happened in (webchat, msteams, directline…), so the privacy team can say where as well as how.
ALTER TABLE verification DROP CONSTRAINT verification_method_check;
ALTER TABLE verification ADD CONSTRAINT verification_method_check
  CHECK (method IN ('agent_check', 'channel_authenticated', 'document', 'knowledge', 'one_time_code', 'signed_in_site'));
ALTER TABLE verification ADD COLUMN channel text;
