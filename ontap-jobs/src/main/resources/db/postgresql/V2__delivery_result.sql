-- How a finished delivery ended: delivered, refused (a 4xx that retrying cannot fix) or dead-lettered (too old).
ALTER TABLE delivery ADD COLUMN result VARCHAR(16);
