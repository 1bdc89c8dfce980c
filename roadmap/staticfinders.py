"""Serve plotly.js from the installed plotly package, so its version always matches the figures, or
the smaller bundle of the same version built by build/plotly when settings.PLOTLY_JS names it.

Nothing third-party is committed: collectstatic copies the file from site-packages, and the manifest
storage gives it a hashed, long-cached name like any other static file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "vendor/plotly.min.js"
FULL_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Both files are named plotly.min.js (settings.py checks PLOTLY_JS), so the storage lists it
        # under the one name the templates link.
        self.source = Path(settings.PLOTLY_JS) if settings.PLOTLY_JS else FULL_BUNDLE
        self.storage = FileSystemStorage(location=str(self.source.parent))
        self.storage.prefix = "vendor"  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path == PLOTLY_JS and self.source.exists():
            return [str(self.source)] if find_all else str(self.source)
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Any:
        yield self.source.name, self.storage
