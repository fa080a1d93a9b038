-- Scans made before signing in (issue 15, finding 5): a pending scan completes only on the
-- browser that scanned and only shortly after the room code stopped being valid; a check-in
-- completed after the code's own validity stays visibly marked for the organizers.

-- Hash of the scanning browser's device nonce (a cookie of its own, apart from the scan
-- cookie): a scan cookie replayed elsewhere lacks it. Rows from before this column never complete.
ALTER TABLE attendance_pending_scans
  ADD COLUMN device_binding text,
  -- When the scanned room code stopped being accepted; the scan completes until 2 min after.
  ADD COLUMN code_valid_until timestamptz;

-- When a pending scan was completed after its room code's validity (null: on time, or not a
-- pending scan). Cleared by a correction or a later check-in of the person in the slot.
ALTER TABLE attendance_records
  ADD COLUMN completed_late_at timestamptz;
