-- One Okta Verify push waiting per person, across replicas.
CREATE TABLE push_locks (
	okta_user_id text PRIMARY KEY,
	owner        text NOT NULL,
	lease_until  timestamptz NOT NULL
);
