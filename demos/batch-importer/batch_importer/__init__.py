"""batch-importer — "The Dimensional Cargo Drop": CSV/JSON manifests into ScyllaDB through
coodie's ``BatchQuery``, logged or unlogged, one partition per batch."""
