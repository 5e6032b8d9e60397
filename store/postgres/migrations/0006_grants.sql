-- Time-boxed grants (assign-role and add-to-group with --for): access
-- oktabot gave until ends_at, stored before Okta is asked to give it, and
-- removed at its end by the one replica that claims it. access is
-- "role:TYPE" or "group:ID"; at most one live grant per user and access.
-- duration is in microseconds.
CREATE TABLE grants (
	id                text PRIMARY KEY,
	action            text NOT NULL,
	user_id           text NOT NULL,
	user_label        text NOT NULL DEFAULT '',
	access            text NOT NULL,
	role              text NOT NULL DEFAULT '',
	assignment_id     text NOT NULL DEFAULT '',
	group_id          text NOT NULL DEFAULT '',
	group_name        text NOT NULL DEFAULT '',
	requester_id      text NOT NULL,
	requester_channel text NOT NULL DEFAULT '',
	approval_id       text NOT NULL DEFAULT '',
	reason            text NOT NULL DEFAULT '',
	duration          bigint NOT NULL,
	status            text NOT NULL CHECK (status IN ('giving', 'active', 'revoking', 'revoked')),
	created_at        timestamptz NOT NULL,
	ends_at           timestamptz NOT NULL,
	warned_at         timestamptz,
	ended_by          text NOT NULL DEFAULT '',
	attempts          integer NOT NULL DEFAULT 0,
	next_attempt      timestamptz,
	last_error        text NOT NULL DEFAULT '',
	overdue_at        timestamptz,
	revoked_at        timestamptz,
	result            text NOT NULL DEFAULT '',
	lease_owner       text NOT NULL DEFAULT '',
	lease_until       timestamptz,
	updated_at        timestamptz NOT NULL
);

CREATE UNIQUE INDEX grants_live ON grants (user_id, access) WHERE status <> 'revoked';
CREATE INDEX grants_ends ON grants (ends_at) WHERE status <> 'revoked';
CREATE INDEX grants_requester ON grants (requester_id, ends_at);
