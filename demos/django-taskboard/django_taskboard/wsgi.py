"""WSGI entry points: ``application`` (``manage.py runserver``) and ``create_app(keyspace)``,
the factory of the ``[tool.coodie-demo]`` convention (the spec calls it on a test keyspace).

Django can be configured once per process: both point ``DJANGO_SETTINGS_MODULE`` at
``django_taskboard.settings``.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_taskboard.settings")

from django.core.wsgi import get_wsgi_application

#: coodie connects lazily, on the first request (`django_taskboard.middleware.TheMiddleware`).
application = get_wsgi_application()


def create_app(keyspace: str | None = None):  # type: ignore[no-untyped-def]
    """The Django WSGI app with both databases ready: SQLite migrated, coodie on ``keyspace``
    (default: ``settings.COODIE_KEYSPACE``)."""
    import django

    from django_taskboard.connection import prepare

    django.setup(set_prefix=False)  # a no-op once set up; again after a test unconfigured it
    prepare(keyspace)
    return application
