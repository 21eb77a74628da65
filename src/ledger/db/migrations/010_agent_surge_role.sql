-- Outsourced staff during a breach surge: handoffs about the incident only, none of the ledger's data about the customer.
ALTER TABLE agent_account DROP CONSTRAINT agent_account_role_check;
ALTER TABLE agent_account ADD CONSTRAINT agent_account_role_check CHECK (role IN ('agent', 'supervisor', 'privacy', 'surge'));
