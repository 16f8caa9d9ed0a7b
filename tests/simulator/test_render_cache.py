"""The simulator renders issues and histories once, as JSON text, and splices that text into its answers:
the answers must read exactly as if encoded whole, and follow every change made to the site."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from syncreport.simulator import SimulatorHandle
from syncreport.simulator.render import Json, dump


def test_dump_splices_fragments_into_compact_json() -> None:
    fragment = Json('{"id":"1","fields":{"summary":"Zoë: 完成"}}')
    data = {"issues": [fragment, {"id": "2"}], "isLast": True, "nextPageToken": None}
    # Worked out by hand: compact separators, non-ASCII kept as is, the fragment verbatim.
    expected = '{"issues":[{"id":"1","fields":{"summary":"Zoë: 完成"}},{"id":"2"}],"isLast":true,"nextPageToken":null}'
    assert dump(data) == expected
    plain = {"values": [{"name": "Sprint 1", "goal": "Zoë"}], "total": 1}
    assert dump(plain) == json.dumps(plain, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.e2e
def test_rendered_issues_follow_touches_and_links(simulator: Any) -> None:
    sim: SimulatorHandle = simulator(deployment="cloud")
    session = requests.Session()
    session.auth = (sim.email, sim.token)
    provider, consumer = [i for i in sim.site.issues if i.project == "ORB" and not i.resolved][:2]

    def fields(key: str) -> dict[str, Any]:
        answer = session.post(
            sim.url + "/rest/api/3/issue/bulkfetch",
            json={"issueIdsOrKeys": [key], "fields": ["status", "issuelinks", "summary"]},
        )
        return dict(answer.json()["issues"][0]["fields"])

    def linked(issue_fields: dict[str, Any]) -> list[dict[str, Any]]:
        ends = [link.get("outwardIssue") or link.get("inwardIssue") for link in issue_fields["issuelinks"]]
        return [end for end in ends if end["key"] == provider.key]

    assert linked(fields(consumer.key)) == []  # rendered now, and kept
    sim.link_issues(provider.key, consumer.key)
    sim.touch_issue(provider.key, status="Done")
    # The consumer only gained a link; the provider's status shown inside that link follows the provider.
    ends = linked(fields(consumer.key))
    assert len(ends) == 1 and ends[0]["fields"]["status"]["statusCategory"]["key"] == "done"
    assert fields(provider.key)["status"]["statusCategory"]["key"] == "done"
    sim.touch_issue(consumer.key, summary="Renamed after rendering")
    assert fields(consumer.key)["summary"] == "Renamed after rendering"
