-- Issue 19: the version of an event's program, one more at every import (same transaction as the
-- program's rows). Rendered copies of the program page, JSON and iCalendar feed are kept per
-- (event, version, language) in each instance's memory; every request reads this one column, so
-- an import made through any instance is served by all of them at their next request.
ALTER TABLE events ADD COLUMN program_version integer NOT NULL DEFAULT 1;
