"""Reading a response the way a user reads the page."""

from __future__ import annotations

from typing import Any


def text_of(response: Any) -> str:
    """The page's HTML with white space folded, so phrases match across line breaks."""
    return " ".join(response.content.decode().split())


def messages_of(response: Any) -> list[str]:
    """The messages shown after an action."""
    return [str(message) for message in response.context["messages"]]
