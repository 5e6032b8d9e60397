-- Audit retention (OKTABOT_AUDIT_RETENTION). The audit log stays
-- append-only, except that a record older than a cutoff written to
-- audit_retention in the same transaction may be deleted: that is what
-- DeleteAuditBefore does, and nothing else deletes. Rows of another
-- transaction's audit_retention are invisible until it commits, and it
-- deletes them before.
CREATE TABLE audit_retention (cutoff timestamptz NOT NULL);

CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF EXISTS (SELECT 1 FROM audit_retention WHERE OLD.at < audit_retention.cutoff) THEN
			RETURN OLD;
		END IF;
	END IF;
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
