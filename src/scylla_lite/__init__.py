"""scylla_lite: an embedded CQL server speaking the native protocol v4 like ScyllaDB.

The unmodified scylla-driver (and coodie on top) connects to it as to a one-node
ScyllaDB cluster. ``serve()`` runs it in-process (tests), ``python -m scylla_lite``
in the foreground.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "serve"]


def serve(*args: Any, **kwargs: Any) -> Any:
    """Run a server in a background thread: ``with serve(port=0) as server: server.port``."""
    from .server import serve as _serve

    return _serve(*args, **kwargs)
