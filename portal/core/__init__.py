"""The ground floor: what every part of the portal stands on, knowing no domain and nothing of
HTTP. The database (engine, sessions, prepared statements, group commit), the clock, errors,
form values, languages, migrations, backups, logs, error reports, rate limits, hooks (how the
floors above register with this one), the worker's scheduled jobs and the integrity checks'
frame."""
