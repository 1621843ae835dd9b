-- Partition maintenance: create daily partitions ahead of time and drop them past retention.

-- Creates the partition of one UTC day when missing; returns its name when created, else NULL.
-- Rows of that day already in the default partition are moved into the new partition, because
-- attaching a partition fails while the default partition holds rows of its range.
CREATE FUNCTION heartbeat_ensure_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  part text := 'heartbeats_p' || to_char(day, 'YYYYMMDD');
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  -- One maintainer at a time: creating (locks the default partition, then the parent) and
  -- dropping (locks the parent, then the default partition) would otherwise deadlock.
  PERFORM pg_advisory_xact_lock(hashtext('heartbeats partition maintenance'));
  -- Writers routing rows into the default partition wait while we move its rows of that day;
  -- two maintainers queue here and the second finds the partition made.
  LOCK TABLE heartbeats_default IN ACCESS EXCLUSIVE MODE;
  IF to_regclass(part) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE heartbeats INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
  EXECUTE format('WITH moved AS (DELETE FROM heartbeats_default WHERE event_time >= $1 AND event_time < $2 RETURNING *) '
                 'INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
  -- ATTACH takes a weaker lock on the parent than CREATE TABLE ... PARTITION OF, so readers and
  -- writers of the other partitions are not blocked.
  EXECUTE format('ALTER TABLE heartbeats ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  RETURN part;
END;
$$;

-- Creates the partitions of `days` days starting at from_day; returns the names it created.
CREATE FUNCTION heartbeat_ensure_partitions(from_day date, days integer) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  created text;
BEGIN
  FOR i IN 0 .. days - 1 LOOP
    created := heartbeat_ensure_partition(from_day + i);
    IF created IS NOT NULL THEN
      RETURN NEXT created;
    END IF;
  END LOOP;
END;
$$;

-- Drops the daily partitions that end on or before `before_day` (and that old rows of the
-- default partition); returns the names of the dropped partitions.
CREATE FUNCTION heartbeat_drop_partitions(before_day date) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  part text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('heartbeats partition maintenance'));
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'heartbeats'::regclass AND c.relname ~ '^heartbeats_p[0-9]{8}$'
      AND to_date(substring(c.relname FROM 13), 'YYYYMMDD') < before_day
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE %I', part);
    RETURN NEXT part;
  END LOOP;
  DELETE FROM heartbeats_default WHERE event_time < before_day::timestamp AT TIME ZONE 'UTC';
END;
$$;
