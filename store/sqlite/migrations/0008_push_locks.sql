-- One Okta Verify push waiting per person, across replicas.
CREATE TABLE push_locks (
	okta_user_id TEXT PRIMARY KEY,
	owner        TEXT NOT NULL,
	lease_until  INTEGER NOT NULL
);
