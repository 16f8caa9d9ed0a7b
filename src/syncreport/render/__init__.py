"""Rendering: the report as self-contained HTML, a print-ready PDF, and the short e-mail summary.

Templates live inside the package, in ``src/syncreport/templates/`` (no symlink: it breaks on Windows
checkouts); they format what the indicators computed and compute nothing themselves.
"""

from syncreport.render.html import render_email_summary, render_html
from syncreport.render.pdf import render_pdf

__all__ = ["render_email_summary", "render_html", "render_pdf"]
