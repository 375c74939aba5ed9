"""django-taskboard — "The Hivemind Kanban": Django (SQLite) + coodie (ScyllaDB) side by side."""
