"""The Jinja2 environment: Django renders the shared demokit layout (``demokit/base.html``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import coodie
import django
from django.contrib.messages import get_messages
from jinja2 import Environment

from django_taskboard.board import LABELS, PRIORITIES, STATUSES


def ago(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return ""
    from django_taskboard.board import now as utcnow

    if when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    seconds = int(((now or utcnow()) - when).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return ""


def environment(**options: Any) -> Environment:
    env = Environment(**options)
    env.globals.update(
        static_url="/static",
        demo_title="📋 The Hivemind Kanban",
        demo_tagline="Dimension-3 // JIRA-TRON assigns tasks to humans against their will",
        coodie_version=getattr(coodie, "__version__", "1.9.3"),
        django_version=django.get_version(),
        get_messages=get_messages,
        STATUSES=STATUSES,
        LABELS=LABELS,
        PRIORITIES=PRIORITIES,
    )
    env.filters["ago"] = ago
    return env
