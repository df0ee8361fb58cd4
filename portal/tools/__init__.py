"""Tools that fill a database: a living demo (`portal seed-demo`) and bulk data for benchmarks
(`portal seed`). They stand above the domains: the demo goes through the real services, and
the bulk loader writes rows directly, as a migration would, for speed."""
