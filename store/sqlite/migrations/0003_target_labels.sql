-- target_labels: one label per target, for people ("Carol Danvers
-- <carol.danvers@corp.com>"), beside targets, which now hold the Okta user
-- ids the request was resolved to when it was made. Requests stored before
-- have none and are shown by their targets.
ALTER TABLE approvals ADD COLUMN target_labels TEXT NOT NULL DEFAULT '[]';
