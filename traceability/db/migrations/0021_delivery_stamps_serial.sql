-- The clone rules ask, for the stamps of every flush of scans, which stores received them
-- (a recorded delivery makes its store an expected place): by serial, not by delivery.
CREATE INDEX delivery_stamps_serial ON delivery_stamps (serial);
