"""Rate limits shared by every app process: counters live in the database."""
