"""Django settings for the Hivemind Kanban.

Django's own tables (auth, content types, sessions — the flash messages ride in the
session) live in SQLite; tasks, events and counters live in ScyllaDB through coodie,
which is *not* a Django database backend: see `django_taskboard.connection`.
"""

from __future__ import annotations

import os
from pathlib import Path

from demokit import theme
from demokit.registry import keyspace_for

BASE_DIR = Path(__file__).resolve().parent
DEMO_DIR = BASE_DIR.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "hivemind-kanban-demo-key-not-for-production")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"] + [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django_taskboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_taskboard.middleware.TheMiddleware",
]

ROOT_URLCONF = "django_taskboard.urls"
WSGI_APPLICATION = "django_taskboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates", theme.templates_dir()],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "django_taskboard.jinja.environment"},
    }
]

# SQLite for Django's tables: a file under var/ (git-ignored); TASKBOARD_SQLITE=":memory:" in tests.
SQLITE_PATH = os.environ.get("TASKBOARD_SQLITE") or str(DEMO_DIR / "var" / "django.sqlite3")
if SQLITE_PATH != ":memory:":
    Path(SQLITE_PATH).parent.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ScyllaDB through coodie: the keyspace of pyproject.toml's [tool.coodie-demo] table, or
# $SCYLLA_KEYSPACE (the app factory may name another).
COODIE_KEYSPACE = keyspace_for(__file__)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
