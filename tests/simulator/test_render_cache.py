"""The simulator renders issues and histories once, as JSON text, and splices that text into its answers:
the answers must read exactly as if encoded whole, and follow every change made to the site."""

from __future__ import annotations

import json
from datetime import date
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


def _answers(sim: SimulatorHandle) -> list[bytes]:
    """The raw bytes of the answers a pull asks for: fields by name, whole issues, changelogs (filtered)."""
    session = requests.Session()
    keys = [i.key for i in sim.site.issues if sim.site.visible(i)][:40]
    asked: list[tuple[str, dict[str, Any]]]
    if sim.deployment == "cloud":
        session.auth = (sim.email, sim.token)
        api = sim.url + "/rest/api/3"
        asked = [
            ("/issue/bulkfetch", {"issueIdsOrKeys": keys, "fields": ["summary", "status", "issuelinks"]}),
            ("/issue/bulkfetch", {"issueIdsOrKeys": keys, "fields": ["*all"]}),
            ("/changelog/bulkfetch", {"issueIdsOrKeys": keys, "fieldIds": ["status", "duedate"]}),
            ("/changelog/bulkfetch", {"issueIdsOrKeys": keys}),
        ]
    else:
        session.headers["Authorization"] = f"Bearer {sim.token}"
        api = sim.url + "/rest/api/2"
        jql = f"key in ({','.join(keys)})"
        asked = [
            ("/search", {"jql": jql, "fields": ["summary", "updated"], "expand": ["changelog"]}),
            ("/search", {"jql": jql, "fields": ["updated"]}),
            ("/search", {"jql": jql, "fields": ["*all"], "expand": ["changelog"]}),
        ]
    answers = []
    for path, body in asked:
        answer = session.post(api + path, json=body)
        assert answer.status_code == 200, answer.text
        answers.append(answer.content.replace(sim.url.encode(), b"<site>"))  # the two differ in port only
    return answers


@pytest.mark.e2e
@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_prerendered_site_answers_byte_for_byte_as_one_rendered_on_demand(
    simulator: Any, deployment: str
) -> None:
    lazy: SimulatorHandle = simulator(deployment=deployment, issues=120)
    ready: SimulatorHandle = simulator(deployment=deployment, issues=120)
    ready.prerender()
    expected = _answers(lazy)
    assert _answers(ready) == expected
    assert _answers(ready) == expected  # the second time, from the kept fragments on both sides
    assert len(expected[0]) > 1000  # the answers hold issues


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_fields_joined_from_their_parts_read_as_the_fields_encoded_whole(deployment: str) -> None:
    from syncreport.simulator.generator import generate_site
    from syncreport.simulator.render import Renderer

    site = generate_site(issues=60, seed=3, today=date(2026, 10, 5))
    render = Renderer(site, deployment, "http://sim")
    render.prerender()
    for issue in site.issues:
        every = render.all_fields(issue)
        whole = json.loads(render.issue(issue, None).text)["fields"]
        assert whole == every
        text = render.issue(issue, {"summary", "status", "updated"}).text
        expected = json.dumps(
            {k: v for k, v in every.items() if k in ("summary", "status", "updated")},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        assert '"fields":' + expected in text
