-- public_result: the requester asked (--public) for the result to be posted
-- in the channel they asked from as well; secrets never are.
ALTER TABLE approvals ADD COLUMN public_result boolean NOT NULL DEFAULT false;
