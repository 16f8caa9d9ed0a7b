"""Rendering: the report as self-contained HTML, a print-ready PDF, and the short e-mail summary.

Templates live in the top-level ``templates/`` folder (shipped inside the package as
``syncreport/templates``); they format what the indicators computed and compute nothing themselves.
"""

from syncreport.render.html import render_email_summary, render_html
from syncreport.render.pdf import render_pdf

__all__ = ["render_email_summary", "render_html", "render_pdf"]
