"""fastapi-catalog — "The Infinite Bazaar": async coodie, FastAPI and HTMX on ScyllaDB."""
