-- Written by the health check: proves the store is writable, not just readable.
CREATE TABLE heartbeat (id INT PRIMARY KEY, beat_at TIMESTAMPTZ NOT NULL);
