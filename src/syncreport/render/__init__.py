"""Rendering: the report as self-contained HTML, a print-ready PDF, and the short e-mail summary.

Templates live inside the package, in ``src/syncreport/templates/`` (no symlink: it breaks on Windows
checkouts); they format what the indicators computed and compute nothing themselves.

The names below are imported when first used (PEP 562): the PDF layout worker imports
:mod:`syncreport.render.layout` without the HTML renderer, Jinja or the indicators' results.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from syncreport.render.html import render_email_summary, render_html
    from syncreport.render.pdf import render_pdf, start_pdf

_HOMES = {
    "render_email_summary": "html",
    "render_html": "html",
    "render_pdf": "pdf",
    "start_pdf": "pdf",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = ["render_email_summary", "render_html", "render_pdf", "start_pdf"]
