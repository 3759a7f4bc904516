-- Several replicas on one database (ontap.ha.*): one owner per ONTAP cluster at a time, each new owner a new epoch.
-- Every step an owner records names its epoch and is refused once a newer epoch exists (fencing): a replica paused
-- past its lease can neither trigger an operation again nor record a second outcome.
CREATE TABLE cluster_owner (
    cluster VARCHAR(128)  PRIMARY KEY,
    owner   VARCHAR(253)  NOT NULL,   -- the replica (ontap.ha.replica-id)
    epoch   BIGINT        NOT NULL,
    since   TIMESTAMPTZ   NOT NULL
);
-- Who recorded the operation's last step, under which epoch (null: a single instance, or not yet taken up).
ALTER TABLE operation ADD COLUMN owner VARCHAR(253);
ALTER TABLE operation ADD COLUMN epoch BIGINT;
-- A new owner reads its cluster's unfinished operations, and picks up newly accepted ones every 500 ms.
CREATE INDEX operation_cluster_status ON operation (cluster, status);
