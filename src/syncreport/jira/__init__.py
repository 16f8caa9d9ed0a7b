"""Jira ingestion: a complete, incremental, resilient pull of a train from Jira Cloud or Data Center.

``pull_snapshot(config)`` returns the typed :class:`~syncreport.snapshot.Snapshot`; ``run_checks(config)``
answers ``syncreport check``. Everything else in this package is an implementation detail.
"""

from syncreport.jira.checks import CheckResult, run_checks
from syncreport.jira.fetch import PullResult, PullStats, pull, pull_snapshot

__all__ = ["CheckResult", "PullResult", "PullStats", "pull", "pull_snapshot", "run_checks"]
