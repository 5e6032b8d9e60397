-- Audit retention (OKTABOT_AUDIT_RETENTION). The audit log stays
-- append-only, except that a record older than a cutoff written to
-- audit_retention in the same transaction may be deleted: that is what
-- DeleteAuditBefore does, and nothing else deletes.
CREATE TABLE audit_retention (cutoff INTEGER NOT NULL) STRICT;

DROP TRIGGER audit_log_no_delete;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_retention WHERE OLD.at < audit_retention.cutoff)
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
