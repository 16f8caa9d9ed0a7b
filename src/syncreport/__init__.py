"""syncreport: the weekly ART sync report for a SAFe Release Train, from Jira."""

__version__ = "0.1.0"
