-- A delivery is claimed in a short transaction of its own, then sent with no connection or lock held, then its
-- result recorded in another, only while the claim is still its holder's. claimed_by names the claim (the holder's
-- process and a part unique to the claim); claimed_until is when it lapses, on the database's clock: a claim whose
-- holder died is taken again after it. Both are null when nobody is sending the delivery.
ALTER TABLE delivery ADD COLUMN claimed_by VARCHAR(300);
ALTER TABLE delivery ADD COLUMN claimed_until TIMESTAMP;
