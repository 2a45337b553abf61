-- Change events for runs and ticks: triggers write them in the changing transaction and NOTIFY their id.

CREATE TABLE sluice.events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- run:<status> or tick:<outcome>; the payload shape follows from the prefix.
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_created_at_idx ON sluice.events (created_at);

-- The notification carries only the id: NOTIFY payloads are capped at 8000 bytes, and a listener
-- that reads the row sees exactly what a reconnecting client replays.
CREATE FUNCTION sluice.publish_event(event_type text, event_payload jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  event_id bigint;
BEGIN
  INSERT INTO sluice.events (type, payload) VALUES (event_type, event_payload) RETURNING id INTO event_id;
  PERFORM pg_notify('sluice_events', event_id::text);
END;
$$;

CREATE FUNCTION sluice.run_status_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sluice.publish_event('run:' || NEW.status, jsonb_build_object(
    'id', NEW.id,
    'pipeline', NEW.pipeline,
    'dataset', NEW.dataset,
    'status', NEW.status,
    'trigger', NEW.trigger,
    'attempt', NEW.attempt,
    'inserted', NEW.inserted,
    'updated', NEW.updated,
    'unchanged', NEW.unchanged,
    'rejected', NEW.rejected,
    'fetched', NEW.fetched
  ));
  RETURN NULL;
END;
$$;

-- Two triggers because an INSERT trigger's WHEN cannot mention OLD. Progress updates leave the
-- status alone, so they never publish.
CREATE TRIGGER runs_inserted_event AFTER INSERT ON sluice.runs
  FOR EACH ROW EXECUTE FUNCTION sluice.run_status_event();
CREATE TRIGGER runs_status_event AFTER UPDATE OF status ON sluice.runs
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION sluice.run_status_event();

CREATE FUNCTION sluice.tick_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sluice.publish_event('tick:' || NEW.outcome, jsonb_build_object(
    'pipeline', NEW.pipeline,
    -- The same text as Date.toISOString, whatever the session's time zone.
    'scheduledAt', to_char(NEW.scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'reason', NEW.reason,
    'runId', NEW.run_id
  ));
  RETURN NULL;
END;
$$;

CREATE TRIGGER ticks_inserted_event AFTER INSERT ON sluice.ticks
  FOR EACH ROW EXECUTE FUNCTION sluice.tick_event();
