-- The organization an audit event concerns (the subject's, else the actor's), so that the
-- operator can search one employer's events and an organization's master can read its own.
-- Kept as a plain number: the log outlives a purged organization.
ALTER TABLE audit_log ADD COLUMN organization_id INTEGER;
CREATE INDEX audit_log_portal_organization ON audit_log (portal, organization_id, at);
