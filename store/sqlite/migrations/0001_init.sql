-- Times are INTEGER microseconds since the Unix epoch (UTC); lists and maps
-- are JSON text. NULL times mean "not yet".

CREATE TABLE approvals (
	id                TEXT PRIMARY KEY,
	action            TEXT NOT NULL,
	targets           TEXT NOT NULL DEFAULT '[]',
	params            TEXT NOT NULL DEFAULT '{}',
	reason            TEXT NOT NULL DEFAULT '',
	requester_id      TEXT NOT NULL,
	requester_channel TEXT NOT NULL DEFAULT '',
	approver_roles    TEXT NOT NULL DEFAULT '[]',
	approval_channel  TEXT NOT NULL DEFAULT '',
	message_ts        TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'running', 'done', 'failed', 'denied', 'expired')),
	created_at        INTEGER NOT NULL,
	expires_at        INTEGER NOT NULL,
	decided_by        TEXT NOT NULL DEFAULT '',
	decided_at        INTEGER,
	deny_reason       TEXT NOT NULL DEFAULT '',
	lease_owner       TEXT NOT NULL DEFAULT '',
	lease_until       INTEGER,
	result            TEXT NOT NULL DEFAULT '',
	updated_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX approvals_pending_expiry ON approvals (expires_at) WHERE status = 'pending';
CREATE INDEX approvals_recoverable ON approvals (status, lease_until) WHERE status IN ('approved', 'running');

CREATE TABLE processed_envelopes (
	envelope_key TEXT PRIMARY KEY,
	seen_at      INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX processed_envelopes_expiry ON processed_envelopes (expires_at);

-- The audit log is append-only: ids are never reused, rows never change.
CREATE TABLE audit_log (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	at              INTEGER NOT NULL,
	event           TEXT NOT NULL,
	actor           TEXT NOT NULL DEFAULT '',
	channel         TEXT NOT NULL DEFAULT '',
	action          TEXT NOT NULL DEFAULT '',
	targets         TEXT NOT NULL DEFAULT '[]',
	params          TEXT NOT NULL DEFAULT '{}',
	approval_id     TEXT NOT NULL DEFAULT '',
	target          TEXT NOT NULL DEFAULT '',
	outcome         TEXT NOT NULL DEFAULT '',
	error_kind      TEXT NOT NULL DEFAULT '',
	okta_request_id TEXT NOT NULL DEFAULT '',
	detail          TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor_at ON audit_log (actor, at, id);
CREATE INDEX audit_log_action_at ON audit_log (action, at, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
