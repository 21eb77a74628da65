-- The privacy team's console role: works access requests (the Requests view), not the handoff queue.
ALTER TABLE agent_account DROP CONSTRAINT agent_account_role_check;
ALTER TABLE agent_account ADD CONSTRAINT agent_account_role_check CHECK (role IN ('agent', 'supervisor', 'privacy'));
