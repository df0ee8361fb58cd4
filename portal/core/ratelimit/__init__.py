"""Rate limits shared by every app process: counters live in the database, or in Redis when
`REDIS_URL` is set."""
