-- Time-boxed grants (assign-role and add-to-group with --for): access
-- oktabot gave until ends_at, stored before Okta is asked to give it, and
-- removed at its end by the one replica that claims it. access is
-- "role:TYPE" or "group:ID"; at most one live grant per user and access.
-- duration is in microseconds.
CREATE TABLE grants (
	id                TEXT PRIMARY KEY,
	action            TEXT NOT NULL,
	user_id           TEXT NOT NULL,
	user_label        TEXT NOT NULL DEFAULT '',
	access            TEXT NOT NULL,
	role              TEXT NOT NULL DEFAULT '',
	assignment_id     TEXT NOT NULL DEFAULT '',
	group_id          TEXT NOT NULL DEFAULT '',
	group_name        TEXT NOT NULL DEFAULT '',
	requester_id      TEXT NOT NULL,
	requester_channel TEXT NOT NULL DEFAULT '',
	approval_id       TEXT NOT NULL DEFAULT '',
	reason            TEXT NOT NULL DEFAULT '',
	duration          INTEGER NOT NULL,
	status            TEXT NOT NULL CHECK (status IN ('giving', 'active', 'revoking', 'revoked')),
	created_at        INTEGER NOT NULL,
	ends_at           INTEGER NOT NULL,
	warned_at         INTEGER,
	ended_by          TEXT NOT NULL DEFAULT '',
	attempts          INTEGER NOT NULL DEFAULT 0,
	next_attempt      INTEGER,
	last_error        TEXT NOT NULL DEFAULT '',
	overdue_at        INTEGER,
	revoked_at        INTEGER,
	result            TEXT NOT NULL DEFAULT '',
	lease_owner       TEXT NOT NULL DEFAULT '',
	lease_until       INTEGER,
	updated_at        INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX grants_live ON grants (user_id, access) WHERE status <> 'revoked';
CREATE INDEX grants_ends ON grants (ends_at) WHERE status <> 'revoked';
CREATE INDEX grants_requester ON grants (requester_id, ends_at);
