"""A Jira simulator: a real HTTP server on 127.0.0.1 that answers, as Jira Cloud or Data Center would, the
part of the REST API syncreport uses, over a seeded, realistic Agile Release Train.

It imports nothing from the rest of syncreport (but the dependency-free ``syncreport.gc_pause``), so it can
stand in for Jira in any test or benchmark.

    with start_simulator(deployment="cloud", issues=600, seed=7) as sim:
        JIRA(server=sim.url, basic_auth=(sim.email, sim.token))          # Data Center: token_auth=sim.token

Where to look:
- :mod:`.generator` - what the train holds (projects, teams, sprints, PIs, workflows, planted dependency
  scenarios in ``site.scenarios``), deterministic for (seed, issues, now): pin ``today`` or a ``clock``
  to get the same train from two simulators.
- :mod:`.api` - the endpoints (platform ones there, :mod:`.issues_api`, :mod:`.agile_api`), page caps and
  changelog truncation per dialect (:mod:`.api_core`); :mod:`.render` - the JSON shapes and the decisions
  the real API leaves open (Team field value, parent, changelog order).
- :mod:`.jql` - the JQL subset and Jira's quirks it keeps (``!=`` skips empty fields, dates in the user's
  zone, unknown values are errors).
- :mod:`.server` - the running simulator's handle: knobs (latency, rate limits, faults, ``search_lag_s``;
  documented in :mod:`.state`), stats, changing data while it runs (:mod:`.edits`): ``touch_issue``,
  ``link_issues``, ``remove_from_scope``, ``move_issue``; :mod:`.handler` - the HTTP side, Cloud's API
  gateway for scoped tokens (``gateway_url``, ``scoped_token``, ``/_edge/tenant_info``).
- :mod:`.consistency` - Cloud search's eventual consistency (what search sees a moment after an edit).
- :func:`demo_config` - a syncreport config that fits the train.
"""

from syncreport.simulator.democonfig import demo_config, toml_snippet, train_jql
from syncreport.simulator.generator import generate_site
from syncreport.simulator.model import Site
from syncreport.simulator.server import SimulatorHandle, serve_forever, start_simulator

__all__ = [
    "SimulatorHandle",
    "Site",
    "demo_config",
    "generate_site",
    "serve_forever",
    "start_simulator",
    "toml_snippet",
    "train_jql",
]
