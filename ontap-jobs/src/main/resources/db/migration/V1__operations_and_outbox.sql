-- Every operation, recorded before it is triggered; its outcome is written in the same transaction that ends it.
CREATE TABLE operation (
    id          VARCHAR(128)  PRIMARY KEY,
    cluster     VARCHAR(128)  NOT NULL,
    request     CLOB          NOT NULL,   -- the request document (JSON)
    status      VARCHAR(16)   NOT NULL,   -- accepted, triggering, running, or the outcome's status
    attempts    INT           DEFAULT 0 NOT NULL,
    jobs        CLOB,                     -- JSON array of the job UUIDs of the current attempt
    accepted_at TIMESTAMP     NOT NULL,
    updated_at  TIMESTAMP     NOT NULL,
    outcome     CLOB                      -- the CloudEvents JSON once ended
);
CREATE INDEX operation_status ON operation (status);

-- The outbox: one row per outcome and sink, acknowledged separately, retried until delivered.
CREATE TABLE delivery (
    outcome_id      VARCHAR(128)  NOT NULL,
    sink            VARCHAR(64)   NOT NULL,
    attempts        INT           DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP     NOT NULL,
    delivered_at    TIMESTAMP,
    last_error      VARCHAR(2000),
    PRIMARY KEY (outcome_id, sink)
);
CREATE INDEX delivery_due ON delivery (delivered_at, next_attempt_at);
