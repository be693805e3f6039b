-- Serialise the writers of the betting ledgers on Postgres, until the transaction ends.
-- Parameters: the lock key.
select pg_advisory_xact_lock(?)
