"""How each form of content looks — on its card, its toggle button and its seed progress bar."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Look:
    label: str
    icon: str
    colour: str
    plural: str


#: by discriminator value: coral, violet, teal (seed plan §9.2) and hot pink for Video's Short
LOOKS: dict[str, Look] = {
    "article": Look("Article", "📝", "#f97316", "articles"),
    "video": Look("Video", "🎬", "#8b5cf6", "videos"),
    "short": Look("Short", "⚡", "#ec4899", "shorts"),
    "podcast": Look("Podcast", "🎙️", "#14b8a6", "podcasts"),
}
