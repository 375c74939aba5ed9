"""The one table of the Shapeshifter's Archive: every form Morph-IX takes, told apart by ``type``.

Single-table inheritance with coodie's ``Discriminator``: ``Article``, ``Video`` (and its
``Short``) and ``Podcast`` all live in ``contents``; each saves its own ``__discriminator_value__``
in ``type``, and a row read through ``Content`` comes back as its own subclass.

``type`` is also the partition key: ``Video.find()`` — which coodie restricts to
``WHERE "type" = 'video'`` by itself — is then a one-partition read, newest first, with no
index and no ALLOW FILTERING. (Each type is one partition: fine for an archive of thousands;
a real one would add a time bucket to the partition key.)

The subclasses' own columns reach the table only when each subclass is synced *before* its
base: `SYNC_ORDER` (see its comment, and spec/demos/test_polymorphic_cms.py).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid1

from coodie.fields import ClusteringKey, Discriminator, PrimaryKey, TimeUUID
from coodie.sync.document import Document
from pydantic import Field


class Content(Document):
    """What every form shares. Never saved itself (it has no discriminator value)."""

    type: Annotated[str, Discriminator(), PrimaryKey()] = ""
    id: Annotated[UUID, TimeUUID(), ClusteringKey(order="DESC")] = Field(default_factory=uuid1)
    title: str
    author: str = "Morph-IX"
    summary: str = ""

    class Settings:
        name = "contents"


class Article(Content):
    body: str = ""
    reading_minutes: int = 1

    class Settings:
        __discriminator_value__ = "article"


class Video(Content):
    duration_s: int = 60
    resolution: str = "1080p"

    class Settings:
        __discriminator_value__ = "video"


class Short(Video):
    """A Video one level down: Video's columns and its own. ``Video.find()`` does not list it."""

    sound: str = "original audio"

    class Settings:  # its own Settings: an inherited one would save Shorts as "video"
        __discriminator_value__ = "short"


class Podcast(Content):
    host: str = "Morph-IX"
    episode: int = 1
    minutes: int = 30

    class Settings:
        __discriminator_value__ = "podcast"


#: every form, by its discriminator value, in the order the page shows them
FORMS: dict[str, type[Content]] = {"article": Article, "video": Video, "short": Short, "podcast": Podcast}

#: coodie 1.9.3 bug (pinned in spec/coodie/test_upstream_bugs.py): once a class of the hierarchy
#: is synced, a subclass synced after it reuses that class's cached column list, so its own
#: columns are never added to the shared table. So the deepest classes go first (Short before
#: Video), and the base is not synced at all: every subclass's columns include the base's.
#: spec/demos/test_polymorphic_cms.py syncs in the natural order too, and fails once coodie fixes it.
SYNC_ORDER: list[type[Content]] = [Short, Video, Article, Podcast]
