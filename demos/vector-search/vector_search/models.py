"""The one table of the Embedding Dimension: products and their 384-d sentence embeddings."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid4

from coodie.fields import PrimaryKey, Vector, VectorIndex
from coodie.sync.document import Document
from pydantic import Field

#: all-MiniLM-L6-v2 maps a text to 384 floats
DIMENSIONS = 384


class ProductEmbedding(Document):
    """A product, with the embedding of its name and description under a cosine vector index
    (``CREATE CUSTOM INDEX … USING 'vector_index'``) so ``order_by_ann`` can rank by meaning."""

    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    name: str
    description: str = ""
    category: str = "misc"
    price: float = 0.0
    embedding: Annotated[
        list[float], Vector(dimensions=DIMENSIONS), VectorIndex(similarity_function="COSINE")
    ]

    class Settings:
        name = "product_embeddings"

    @property
    def text(self) -> str:
        """What gets embedded: the name and the description."""
        return embedding_text(self.name, self.description)


def embedding_text(name: str, description: str) -> str:
    return f"{name}. {description}".strip() if description else name
