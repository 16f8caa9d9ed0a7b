"""A syncreport config that fits a running simulator (same shape as the TOML file)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from syncreport.simulator.agenda import OBJECTIVE_TYPE, RISK_TYPE
from syncreport.simulator.generator import TRAIN_PROJECTS, current_pi_start

TRAIN_NAME = "Orbit ART"


def train_jql() -> str:
    """The train's JQL: the work of the train's three projects (PLAT and SEC are outside); risks and PI
    objectives live in the same projects and are selected by [risks] and [objectives] instead."""
    projects = ", ".join(key for key, _ in TRAIN_PROJECTS)
    return f'project in ({projects}) AND issuetype not in ("{RISK_TYPE}", "{OBJECTIVE_TYPE}")'


def demo_config(handle: Any, *, token_env: str = "SYNCREPORT_DEMO_TOKEN") -> dict[str, Any]:
    """A config dict valid for ``syncreport.config.config_from_dict`` that fits the simulator's train.

    Link directions: "Blocks" (outward "blocks") - the issue holding the outwardIssue provides;
    "Dependency" (outward "is blocked by", inward "blocks") - the issue holding the inwardIssue provides.
    """
    site = handle.site
    cloud = handle.deployment == "cloud"
    jira: dict[str, Any] = {"url": handle.url, "deployment": handle.deployment, "token_env": token_env}
    if cloud:
        jira["email"] = handle.email
    train_teams = [t for t in site.teams if t.in_train]
    pi_start: date = current_pi_start(site.now)
    return {
        "jira": jira,
        "train": {
            "name": TRAIN_NAME,
            "jql": train_jql(),
            "pi_source": "fixVersion",
            "pi_order": list(site.pis),
            "current_pi": site.current_pi,
            "team_source": "field",
            "team_field": "Team",
            "teams": [t.name for t in train_teams],
            "sprint_field": "Sprint",
            "story_points_field": "auto",
            "parent_field": "parent" if cloud else "Epic Link",
            "boards": [t.board_id for t in train_teams],
            "business_value_planned_field": "Business Value",
            "business_value_actual_field": "Actual Business Value",
            "dependency_link_types": [
                {"name": "Blocks", "provider": "outward"},
                {"name": "Dependency", "provider": "inward"},
            ],
        },
        "iterations": {"pi_start": pi_start.isoformat(), "length_days": 14, "count": 6},
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def toml_snippet(config: dict[str, Any]) -> str:
    """The config as TOML (tables, arrays of tables for lists of dicts)."""
    lines: list[str] = []
    for section, body in config.items():
        lines.append(f"[{section}]")
        tables: list[tuple[str, list[dict[str, Any]]]] = []
        for key, value in body.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                tables.append((key, value))
            else:
                lines.append(f"{key} = {_toml_value(value)}")
        for key, rows in tables:
            for row in rows:
                lines.append(f"[[{section}.{key}]]")
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in row.items())
        lines.append("")
    return "\n".join(lines)


__all__ = ["TRAIN_NAME", "demo_config", "toml_snippet", "train_jql"]
