"""Helpers that let one spec test run through coodie's sync API and through its async API.

A spec module defines each model once, the way a user writes it with ``coodie.sync``,
and derives its ``coodie.aio`` twin at module level::

    class Playlist(Document):
        id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
        tracks: list[str] = []

        class Settings:
            name = "playlists"


    AsyncPlaylist = async_twin(Playlist)

A test takes the ``flavour`` fixture (``[sync]`` and ``[async]`` runs), picks its model
and calls coodie through ``await flavour(...)``, which awaits what the async API returns::

    async def test_append(flavour: Flavour) -> None:
        model = flavour.pick(Playlist, AsyncPlaylist)
        await flavour.sync_tables(model)
        doc = model(tracks=["a"])
        await flavour(doc.update, tracks__append=["b"])
        assert (await flavour.reload(doc)).tracks == ["a", "b"]
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import coodie.aio.document as aio
import coodie.sync.document as sync
from coodie.batch import AsyncBatchQuery, BatchQuery
from coodie.schema import build_schema
from pydantic import Field

FlavourName = Literal["sync", "async"]

_ASYNC_BASES: dict[type, type] = {
    sync.Document: aio.Document,
    sync.CounterDocument: aio.CounterDocument,
    sync.MaterializedView: aio.MaterializedView,
}


def async_twin(model: type[sync.Document]) -> type[aio.Document]:
    """The ``coodie.aio`` document with the same columns, defaults and ``Settings`` as *model*.

    Call it at module level: the annotations are the ones written in the module, so
    coodie resolves them from the module's globals as it does for *model* itself.
    """
    (base,) = model.__bases__
    qualname = f"Async{model.__qualname__}"
    # A copy nested under the new name: pydantic takes a class attribute for a field
    # unless it is a class defined in the model's own body.
    settings = {k: v for k, v in vars(model.Settings).items() if k not in ("__dict__", "__weakref__")}
    settings.update(__module__=model.__module__, __qualname__=f"{qualname}.Settings")
    namespace: dict[str, Any] = {
        "__module__": model.__module__,
        "__qualname__": qualname,
        "__annotations__": inspect.get_annotations(model),
        "Settings": type("Settings", (), settings),
    }
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            namespace[name] = Field(default_factory=field.default_factory)
        elif not field.is_required():
            namespace[name] = field.default
    return type(qualname, (_ASYNC_BASES[base],), namespace)


class Flavour:
    """One way of calling coodie: ``coodie.sync`` or ``coodie.aio``."""

    def __init__(self, name: FlavourName) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Flavour({self.name!r})"

    @property
    def is_async(self) -> bool:
        return self.name == "async"

    def pick(self, sync_model: type, async_model: type) -> Any:
        """The model of this flavour."""
        return async_model if self.is_async else sync_model

    async def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Call a coodie method; await the result when the async API returned an awaitable."""
        result = fn(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def sync_tables(self, *models: type) -> None:
        for model in models:
            await self(model.sync_table)

    async def reload(self, doc: Any) -> Any:
        """A fresh copy of *doc* read back through coodie by its primary key."""
        model = type(doc)
        key = {c.name: getattr(doc, c.name) for c in build_schema(model) if c.primary_key or c.clustering_key}
        return await self(model.get, **key)

    async def find_one(self, model: type, **key: Any) -> Any:
        """The document with this key, or None."""
        return await self(model.find_one, **key)

    @contextlib.asynccontextmanager
    async def batch(self, **options: Any) -> AsyncIterator[Any]:
        """``BatchQuery`` (sync) or ``AsyncBatchQuery`` (async), used as a context manager."""
        if self.is_async:
            async with AsyncBatchQuery(**options) as batch:
                yield batch
        else:
            with BatchQuery(**options) as batch:
                yield batch


def synced_model_fixture(sync_model: type, async_model: type, doc: str) -> Any:
    """A fixture giving ``sync_model`` or ``async_model`` (by the test's flavour) with its
    table synced in the test keyspace; ``doc`` is its one-line description."""
    import pytest

    async def fixture(flavour: Flavour) -> type:
        model = flavour.pick(sync_model, async_model)
        await flavour.sync_tables(model)
        return model

    fixture.__doc__ = doc
    return pytest.fixture(fixture)
