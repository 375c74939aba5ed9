"""materialized-views — "The Oracle's Mirror": a product table mirrored by coodie MaterializedViews."""
