-- The outbox is read per sink, each sink on its own thread.
CREATE INDEX delivery_due_by_sink ON delivery (sink, delivered_at, next_attempt_at);
