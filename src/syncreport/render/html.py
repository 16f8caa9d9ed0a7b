"""The Jinja2 environment and the HTML renderings: the full report and the short e-mail summary.

Autoescaping is on for everything but ``*.txt`` templates (the plain-text e-mail), so issue text from Jira
(summaries, team names) can never become markup. A user's ``[report] templates_dir`` comes first in the
loader, so any of our templates (``base.html``, a section under ``sections/``, ``branding.html``) can be
replaced by a file of the same name; everything else falls back to the packaged templates.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from functools import lru_cache
from pathlib import Path

import jinja2
import jinja2.bccache
from markupsafe import Markup

from syncreport import artifacts
from syncreport.config import ReportSettings
from syncreport.errors import ConfigError
from syncreport.indicators.results import IndicatorResults
from syncreport.kinds import STATUS_SEVERITY
from syncreport.render import kept_sections, view
from syncreport.snapshot import Snapshot
from syncreport.untrusted import isolate

REPORT_TEMPLATE = "base.html"
REPORT_SCRIPT = "assets/report.js"
EMAIL_HTML_TEMPLATE = "email/summary.html"
EMAIL_TEXT_TEMPLATE = "email/summary.txt"


def _autoescape(name: str | None) -> bool:
    return name is None or not name.endswith(".txt")


class _StoredBytecode(jinja2.BytecodeCache):
    """Jinja's compiled templates kept in the run's store (:mod:`syncreport.artifacts`), so a warm run does not
    compile the report's twenty templates again (about 0.4 CPU s). The entry is named by the template, the
    checksum of its source, and the Jinja and Python versions: an edited template, an overriding
    ``templates_dir`` or an upgrade is a new name, and Jinja checks the checksum again on load. Without a
    store (``[cache] enabled = false``, tests) templates are compiled as before."""

    @staticmethod
    def _name(bucket: jinja2.bccache.Bucket) -> str:
        return artifacts.digest(
            "jinja-bytecode", bucket.key, bucket.checksum, jinja2.__version__, sys.version
        )

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        store = artifacts.current()
        kept = store.get(self._name(bucket)) if store is not None else None
        if kept is not None:
            bucket.bytecode_from_string(kept)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        store = artifacts.current()
        if store is not None:
            store.put(self._name(bucket), bucket.bytecode_to_string())


@lru_cache(maxsize=8)
def template_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """The report's Jinja2 environment, with ``templates_dir`` (if given) in front of the packaged templates."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        if not templates_dir.is_dir():
            raise ConfigError(
                f"report.templates_dir {templates_dir} is not a directory; create it or remove the key "
                "to use the built-in templates"
            )
        loaders.append(jinja2.FileSystemLoader(templates_dir))
    loaders.append(jinja2.PackageLoader("syncreport", "templates"))
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_StoredBytecode(),
    )
    environment.filters.update(
        pct=view.format_percent,
        day=view.format_date,
        moment=view.format_datetime,
        days=view.format_days,
        number=view.format_number,
        bdi=view.bdi,  # HTML: a sentence's isolated names as <bdi> elements
        isolate=isolate,  # plain text: a name as an isolated bidi run (FSI ... PDI)
    )
    environment.globals.update(
        status_marks=view.STATUS_MARKS,
        dependency_statuses=STATUS_SEVERITY,  # most severe first
        health_marks=view.HEALTH_MARKS,
        severity_marks=view.SEVERITY_MARKS,
        feature_marks=view.FEATURE_MARKS,
        feature_phrases=view.FEATURE_PHRASES,
        cap=view.cap,
    )
    return environment


def _render(template_name: str, environment: jinja2.Environment, **context: object) -> str:
    try:
        return environment.get_template(template_name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            f"template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}; fix the template "
            "in report.templates_dir"
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(
            f"template {exc.name} not found; an override in report.templates_dir must keep our names"
        ) from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(
            f"a template in report.templates_dir uses something that does not exist ({exc.message}); "
            "see templates/README.md for what a template gets"
        ) from None


def check_templates(templates_dir: Path | None) -> None:
    """Compile every template of ``templates_dir`` now, so a broken one fails before a long pull."""
    if templates_dir is None:
        return
    environment = template_environment(templates_dir.resolve())
    try:
        names = [
            path.relative_to(templates_dir).as_posix()
            for path in sorted(templates_dir.rglob("*"))
            if path.is_file() and path.suffix in (".html", ".txt", ".css")
        ]
    except OSError as exc:
        raise ConfigError(
            f"cannot read report.templates_dir {templates_dir}: {exc.strerror or exc}"
        ) from None
    for name in names:
        try:
            environment.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(
                f"template {exc.filename or name}, line {exc.lineno}: {exc.message}; fix the template "
                "in report.templates_dir"
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(
                f"template {templates_dir / name} is not UTF-8 text; save it as UTF-8 (report.templates_dir)"
            ) from None


def render_document(
    results: IndicatorResults, snapshot: Snapshot, settings: ReportSettings, *, for_print: bool
) -> str:
    """The report as one self-contained HTML page; ``for_print`` caps long lists for the PDF."""
    environment = template_environment(settings.templates_dir.resolve() if settings.templates_dir else None)
    if (
        settings.templates_dir is None
    ):  # the packaged sections, kept by what they show (a user's may read anything)
        kept_sections.keep_sections(environment)
    script, script_hash = ("", "") if for_print else report_script(environment)
    return _render(
        REPORT_TEMPLATE,
        environment,
        results=results,
        view=view.build_view(results, settings, for_print=for_print),
        issue_url=snapshot.issue_url,
        script=Markup(script),
        script_policy=content_security_policy(script_hash),
    )


def report_script(environment: jinja2.Environment) -> tuple[str, str]:
    """The HTML report's inline script (``assets/report.js``, a user's override first) and its CSP hash."""
    assert environment.loader is not None
    source = environment.loader.get_source(environment, REPORT_SCRIPT)[0]
    if "</" in source:
        raise ConfigError(f"{REPORT_SCRIPT} must not contain '</' (it would end the inline script)")
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return source, f"sha256-{digest}"


def content_security_policy(script_hash: str) -> str:
    """Nothing may be loaded from anywhere; inline styles are allowed, and only the one script whose hash
    is given (none in the PDF's HTML)."""
    script = f"script-src '{script_hash}'" if script_hash else "script-src 'none'"
    return f"default-src 'none'; style-src 'unsafe-inline'; {script}; base-uri 'none'; form-action 'none'"


def render_html(results: IndicatorResults, snapshot: Snapshot, settings: ReportSettings) -> str:
    """The full HTML report: inline CSS, SVG and one small script (filters, sorting), every list complete."""
    return render_document(results, snapshot, settings, for_print=False)


def render_email_summary(
    results: IndicatorResults, snapshot: Snapshot, settings: ReportSettings
) -> tuple[str, str]:
    """The e-mail body: a short HTML summary and its plain-text alternative (the PDF is attached).

    ``settings`` is required, like the report's: a ``templates_dir`` override of ``email/summary.html`` or
    ``.txt`` is used in the e-mail the same way as a section's in the report.
    """
    templates_dir = settings.templates_dir
    environment = template_environment(templates_dir.resolve() if templates_dir else None)
    context = {"results": results, "issue_url": snapshot.issue_url}
    return (
        _render(EMAIL_HTML_TEMPLATE, environment, **context),
        _render(EMAIL_TEXT_TEMPLATE, environment, **context),
    )
