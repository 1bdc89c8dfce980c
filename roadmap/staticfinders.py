"""Serve plotly.js from the installed plotly package, so its version always matches the figures.

Nothing third-party is committed: collectstatic copies the file from site-packages, and the manifest
storage gives it a hashed, long-cached name like any other static file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "vendor/plotly.min.js"
_SOURCE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(_SOURCE.parent))
        self.storage.prefix = "vendor"  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path == PLOTLY_JS and _SOURCE.exists():
            return [str(_SOURCE)] if find_all else str(_SOURCE)
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Any:
        yield _SOURCE.name, self.storage
