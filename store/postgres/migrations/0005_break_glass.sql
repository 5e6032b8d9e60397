-- Waiting requests and break-glass: remind_at is when a pending request's
-- approvers are reminded (the rule's remind_after), reminded_at once they
-- were; break_glass_at is when its requester may break glass (the rule's
-- break_glass), break_glass_offered_at once they were offered to. A request
-- run that way has break_glass set (decided_by is its requester), and stays
-- unreviewed until an approver reviews it; review_reminded_at is the last
-- daily reminder that it was not.
ALTER TABLE approvals ADD COLUMN remind_at timestamptz;
ALTER TABLE approvals ADD COLUMN reminded_at timestamptz;
ALTER TABLE approvals ADD COLUMN break_glass_at timestamptz;
ALTER TABLE approvals ADD COLUMN break_glass_offered_at timestamptz;
ALTER TABLE approvals ADD COLUMN break_glass boolean NOT NULL DEFAULT false;
ALTER TABLE approvals ADD COLUMN break_glass_reason text NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN reviewed_by text NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN reviewed_at timestamptz;
ALTER TABLE approvals ADD COLUMN review_reminded_at timestamptz;

CREATE INDEX approvals_pending_waits ON approvals (created_at) WHERE status = 'pending' AND (remind_at IS NOT NULL OR break_glass_at IS NOT NULL);
CREATE INDEX approvals_break_glass ON approvals (decided_at) WHERE break_glass = TRUE;
