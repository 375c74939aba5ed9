"""The paging state of a SELECT: what a client sends back to resume a query, kept in its
own module because its byte layout is a contract with every client holding a page.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import InvalidRequest
from ..storage import partition_key_bytes
from .read import LiveRow


@dataclass
class PageState:
    """Where the next page starts: after row ``clustering`` of partition (token, key);
    ``clustering`` None means after the whole partition. ``seen`` counts rows already
    returned from that partition (PER PARTITION LIMIT); ``remaining`` the LIMIT left
    (-1: none)."""

    token: int
    key: bytes
    clustering: tuple[bytes, ...] | None
    seen: int
    remaining: int

    @classmethod
    def after(cls, r: LiveRow, seen: int, remaining: int | None, distinct: bool) -> PageState:
        """The state that resumes after row ``r``: under DISTINCT after its whole partition,
        since a DISTINCT page holds one row per partition."""
        return cls(
            r.partition.token,
            partition_key_bytes(r.partition.key),
            None if distinct else r.clustering,
            seen,
            -1 if remaining is None else remaining,
        )

    def encode(self) -> bytes:
        """The opaque bytes sent to the client as the result's paging state."""
        out = bytearray(struct.pack(">qiii", self.token, self.seen, self.remaining, len(self.key)))
        out += self.key
        if self.clustering is None:
            out += struct.pack(">i", -1)
        else:
            out += struct.pack(">i", len(self.clustering))
            for v in self.clustering:
                out += struct.pack(">i", len(v)) + v
        return bytes(out)

    @classmethod
    def decode(cls, data: bytes) -> PageState:
        """A state from the client's bytes; anything `encode` could not have written is refused."""
        try:
            token, seen, remaining, klen = struct.unpack_from(">qiii", data, 0)
            pos = 20
            key = data[pos : pos + klen]
            pos += klen
            (n,) = struct.unpack_from(">i", data, pos)
            pos += 4
            clustering: tuple[bytes, ...] | None = None
            if n >= 0:
                parts = []
                for _ in range(n):
                    (size,) = struct.unpack_from(">i", data, pos)
                    parts.append(data[pos + 4 : pos + 4 + size])
                    pos += 4 + size
                clustering = tuple(parts)
            if pos != len(data) or len(key) != klen:
                raise ValueError("trailing bytes")
            return cls(token, key, clustering, seen, remaining)
        except (struct.error, ValueError):
            raise InvalidRequest("Invalid value for the paging state") from None
