-- Lists and maps are jsonb. NULL times mean "not yet".

CREATE TABLE approvals (
	id                text PRIMARY KEY,
	action            text NOT NULL,
	targets           jsonb NOT NULL DEFAULT '[]',
	params            jsonb NOT NULL DEFAULT '{}',
	reason            text NOT NULL DEFAULT '',
	requester_id      text NOT NULL,
	requester_channel text NOT NULL DEFAULT '',
	approver_roles    jsonb NOT NULL DEFAULT '[]',
	approval_channel  text NOT NULL DEFAULT '',
	message_ts        text NOT NULL DEFAULT '',
	status            text NOT NULL CHECK (status IN ('pending', 'approved', 'running', 'done', 'failed', 'denied', 'expired')),
	created_at        timestamptz NOT NULL,
	expires_at        timestamptz NOT NULL,
	decided_by        text NOT NULL DEFAULT '',
	decided_at        timestamptz,
	deny_reason       text NOT NULL DEFAULT '',
	lease_owner       text NOT NULL DEFAULT '',
	lease_until       timestamptz,
	result            text NOT NULL DEFAULT '',
	updated_at        timestamptz NOT NULL
);

CREATE INDEX approvals_pending_expiry ON approvals (expires_at) WHERE status = 'pending';
CREATE INDEX approvals_recoverable ON approvals (status, lease_until) WHERE status IN ('approved', 'running');

CREATE TABLE processed_envelopes (
	envelope_key text PRIMARY KEY,
	seen_at      timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL
);

CREATE INDEX processed_envelopes_expiry ON processed_envelopes (expires_at);

-- The audit log is append-only: ids are never reused, rows never change.
CREATE TABLE audit_log (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at              timestamptz NOT NULL,
	event           text NOT NULL,
	actor           text NOT NULL DEFAULT '',
	channel         text NOT NULL DEFAULT '',
	action          text NOT NULL DEFAULT '',
	targets         jsonb NOT NULL DEFAULT '[]',
	params          jsonb NOT NULL DEFAULT '{}',
	approval_id     text NOT NULL DEFAULT '',
	target          text NOT NULL DEFAULT '',
	outcome         text NOT NULL DEFAULT '',
	error_kind      text NOT NULL DEFAULT '',
	okta_request_id text NOT NULL DEFAULT '',
	detail          text NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor_at ON audit_log (actor, at, id);
CREATE INDEX audit_log_action_at ON audit_log (action, at, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
