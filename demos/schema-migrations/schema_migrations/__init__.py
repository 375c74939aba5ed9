"""schema-migrations — "The Schema Chronicle": coodie's migration CLI end to end — files in
``migrations/``, ``coodie migrate`` to apply, roll back, dry-run and report, its ledger in
``_coodie_migrations``, and the live schema and data after every step."""
