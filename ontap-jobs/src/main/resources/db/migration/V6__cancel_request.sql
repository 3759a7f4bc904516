-- A cancel of an operation's job asked for through any replica, not only its cluster's owner: 'requested' before the
-- PATCH is sent to ONTAP, 'accepted' once ONTAP took it, null again when ONTAP refused it. The owner, seeing the job
-- end in failure after it, ends the operation cancelled ("cancelled on request"), not failed, even after a takeover.
ALTER TABLE operation ADD COLUMN cancel_request VARCHAR(16);
