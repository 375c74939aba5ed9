"""realtime-counters — "The Popularity Singularity": counter columns on ScyllaDB through coodie."""
