-- Where each EMS consumer (ontap:<cluster>?events=...) left off, per node of the cluster: the highest event index whose
-- exchange completed, and that event's time (the node's clock). The pseudo node '*' holds the consumer's first start.
-- One row per consumer and node, upserted after each event; a replica's write is fenced by its cluster's epoch.
CREATE TABLE event_bookmark (
    consumer_key VARCHAR(400) NOT NULL,   -- <cluster>/<route id>
    node_uuid    VARCHAR(64)  NOT NULL,
    cluster      VARCHAR(128) NOT NULL,
    event_index  BIGINT       NOT NULL,
    event_time   TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (consumer_key, node_uuid)
);
-- events status: every consumer of a cluster
CREATE INDEX event_bookmark_cluster ON event_bookmark (cluster);
