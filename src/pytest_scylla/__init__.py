"""pytest_scylla: the spec's database fixtures, options and markers (see `pytest_scylla.plugin`)."""

from .backend import ScyllaBackend, ServerClock
from .recorder import CqlRecorder

__all__ = ["CqlRecorder", "ScyllaBackend", "ServerClock"]
