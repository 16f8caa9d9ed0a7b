"""The running simulator: :func:`start_simulator` serves a generated train on 127.0.0.1 from a background
thread and hands back a :class:`SimulatorHandle` (its URL, credentials, clock, knobs, faults, stats and
changes to the data); :func:`serve_forever` is ``syncreport simulator``.

Where the rest lives: :mod:`.state` (the knobs, faults and stats, documented there), :mod:`.handler` (the HTTP
server and request handling, Cloud's API gateway, the control endpoints), :mod:`.faults` (how a fault breaks
an answer), :mod:`.edits` (changing the data while it runs) and :mod:`.api` (the endpoints).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypedDict, Unpack

from syncreport.simulator import edits
from syncreport.simulator.api import Api
from syncreport.simulator.faults import Fault
from syncreport.simulator.generator import generate_site
from syncreport.simulator.handler import GATEWAY_PREFIX, SimulatorServer
from syncreport.simulator.model import Site
from syncreport.simulator.state import CLOUD_EMAIL, CLOUD_TOKEN, DC_TOKEN, SiteState, wall_clock


class IssueChanges(TypedDict, total=False):
    """What :meth:`SimulatorHandle.touch_issue` may change (each optional; see the edit's docstring)."""

    status: str | None
    sprint: int | None
    summary: str | None
    flagged: bool | None
    pi: str | None
    duedate: date | None
    points: float | None
    team: str | None
    at: datetime | None


class SimulatorHandle:
    """A running simulator. Use as a context manager, or call :meth:`stop`."""

    def __init__(self, state: SiteState, server: SimulatorServer, thread: threading.Thread) -> None:
        self._state = state
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self.port = int(port)
        self.deployment = state.deployment
        self.email = state.email
        self.token = state.token
        self.scoped_token = state.scoped_token  # Cloud: accepted only through the gateway URL
        self.cloud_id = state.cloud_id
        self.gateway_url = (
            f"{self.url}{GATEWAY_PREFIX}{state.cloud_id}"  # api.atlassian.com/ex/jira/{cloudId}
        )

    def now(self) -> datetime:
        """The simulator's clock (handed in to :func:`start_simulator`; the wall clock by default)."""
        return self._state.clock()

    @property
    def site(self) -> Site:
        """The generated data (read it under no lock only while no test mutates it)."""
        return self._state.site

    def stats(self) -> dict[str, Any]:
        return self._state.snapshot_stats()

    def prerender(self) -> None:
        """Render the whole site's JSON fragments now, not at each issue's first answer
        (:meth:`syncreport.simulator.render.Renderer.prerender`): what a benchmark calls before measuring."""
        with self._state.lock:
            assert self._state.api is not None
            self._state.api.render.prerender()

    def reset_stats(self) -> None:
        self._state.reset_stats()

    def configure(self, **knobs: Any) -> None:
        self._state.configure(**knobs)

    def inject_fault(
        self,
        path: str,
        kind: str,
        *,
        count: int = 1,
        delay_s: float = 2.0,
        retry_after: str = "1",
        variant: str = "",
        key: str = "",
    ) -> None:
        """Make the next ``count`` requests whose path matches the glob ``path`` fail in the given way."""
        with self._state.knob_lock:
            self._state.faults.append(Fault(path, kind, count, delay_s, retry_after, variant, key))

    def touch_issue(self, key: str, **changes: Unpack[IssueChanges]) -> None:
        """Change an issue as a user would (:func:`syncreport.simulator.edits.touch_issue`)."""
        edits.touch_issue(self._state, key, **changes)

    def link_issues(
        self, provider: str, consumer: str, *, link_type: str = "Blocks", at: datetime | None = None
    ) -> str:
        """Add a dependency link; returns its id (:func:`syncreport.simulator.edits.link_issues`)."""
        return edits.link_issues(self._state, provider, consumer, link_type=link_type, at=at)

    def complete_sprint(
        self, sprint_id: int, *, incomplete_to: int | None = None, at: datetime | None = None
    ) -> tuple[str, ...]:
        """Complete an active sprint, its open issues moved on (:func:`syncreport.simulator.edits.complete_sprint`)."""
        return edits.complete_sprint(self._state, sprint_id, incomplete_to=incomplete_to, at=at)

    def start_sprint(self, sprint_id: int) -> None:
        """Start a future sprint (:func:`syncreport.simulator.edits.start_sprint`)."""
        edits.start_sprint(self._state, sprint_id)

    def move_to_backlog(self, key: str, *, at: datetime | None = None) -> None:
        """Move an issue out of its open sprint (:func:`syncreport.simulator.edits.move_to_backlog`)."""
        edits.move_to_backlog(self._state, key, at=at)

    def remove_from_scope(self, key: str) -> None:
        """Delete the issue (:func:`syncreport.simulator.edits.remove_from_scope`)."""
        edits.remove_from_scope(self._state, key)

    def move_issue(self, key: str, project: str, *, at: datetime | None = None) -> str:
        """Move an issue to another project; returns its new key (:func:`syncreport.simulator.edits.move_issue`)."""
        return edits.move_issue(self._state, key, project, at=at)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        gc.unfreeze()

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(
    *,
    deployment: str = "cloud",
    issues: int = 600,
    seed: int = 7,
    latency_ms: int = 0,
    port: int = 0,
    today: date | None = None,
    teams: int = 8,
    site: Site | None = None,
    clock: Callable[[], datetime] | None = None,
    **knobs: Any,
) -> SimulatorHandle:
    """Generate a train (or serve ``site``) on 127.0.0.1 from a background thread.

    ``clock`` is the simulator's "now" (timezone-aware; the wall clock by default): the train is generated as
    of its moment (``today``: as of that day's 00:00 UTC instead), and changes made while it runs are dated
    by it.

    ``knobs`` are those of :meth:`SimulatorHandle.configure` (rate_limit, faults, ...), set before the first
    request.
    """
    if deployment not in ("cloud", "datacenter"):
        raise ValueError(f"deployment must be 'cloud' or 'datacenter', not {deployment!r}")
    clock = clock or wall_clock
    data = site or generate_site(
        issues=issues, seed=seed, today=today, teams=teams, now=None if today else clock()
    )
    # The site is hundreds of thousands of long-lived objects: keep the cyclic GC from walking them again
    # on every collection while the server answers (``stop`` lets it see them again).
    gc.collect()
    gc.freeze()
    token = CLOUD_TOKEN if deployment == "cloud" else DC_TOKEN
    state = SiteState(data, deployment, CLOUD_EMAIL, token, clock)
    state.configure(latency_ms=latency_ms, **knobs)
    server = SimulatorServer(("127.0.0.1", port), state)
    host, bound = server.server_address[:2]
    state.api = Api(data, deployment, f"http://{host!s}:{bound}", clock=clock)
    state.api.index.lag_s = state.search_lag_s
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"jira-simulator-{bound}",
        daemon=True,
    )
    thread.start()
    return SimulatorHandle(state, server, thread)


def serve_forever(
    *,
    port: int,
    deployment: str,
    issues: int,
    seed: int,
    latency_ms: int,
    echo: Callable[[str], None] = print,
) -> None:
    """``syncreport simulator``: run until Ctrl-C, telling the user how to point a config at it."""
    from syncreport.simulator.democonfig import demo_config, toml_snippet

    if deployment not in ("cloud", "datacenter"):
        raise ValueError(f"--deployment must be cloud or datacenter, not {deployment!r}")
    handle = start_simulator(
        deployment=deployment, issues=issues, seed=seed, latency_ms=latency_ms, port=port
    )
    try:
        echo(f"Jira simulator ({deployment}, {issues} issues, seed {seed}) listening on {handle.url}")
        if deployment == "cloud":
            echo(f"  accepts Basic auth: e-mail {handle.email}  API token {handle.token}")
            echo(f"  a scoped API token {handle.scoped_token} works only through {handle.gateway_url}")
        else:
            echo(f"  accepts Bearer personal access token {handle.token}")
        echo(
            f"  request counts: GET {handle.url}/_simulator/stats   knobs: POST {handle.url}/_simulator/config"
        )
        echo("To point syncreport at it:")
        echo(f"  export SYNCREPORT_SIM_TOKEN='{handle.token}'")
        echo("  save the config below as sim.toml, then: syncreport check --config sim.toml")
        echo(toml_snippet(demo_config(handle, token_env="SYNCREPORT_SIM_TOKEN")))
        echo("Ctrl-C stops it.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        echo("simulator stopped")
    finally:
        handle.stop()
