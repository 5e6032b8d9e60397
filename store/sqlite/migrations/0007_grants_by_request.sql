-- A request's grants, for its approval message.
CREATE INDEX grants_approval ON grants (approval_id) WHERE approval_id <> '';
