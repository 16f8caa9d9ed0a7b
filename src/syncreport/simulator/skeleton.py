"""The site before any issue: projects, teams and their boards, sprints, versions (the PIs), statuses, users.

Drawn from the builder's random source first (team ids, sprint close times, account ids), so the order of
draws, and with it the whole train, is the same as it always was for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from syncreport.simulator.model import Board, Project, Site, Sprint, Status, Team, User, Version
from syncreport.simulator.vocabulary import (
    API_USER,
    EXTERNAL_PROJECT,
    EXTERNAL_TEAM,
    LINK_TYPES,
    OFF_CADENCE_SHIFT_DAYS,
    PI_DAYS,
    RESTRICTED_PROJECT,
    SPRINT_DAYS,
    SPRINT_START_HOUR,
    SPRINTS_PER_PI,
    TEAM_NAMES,
    TRAIN_PROJECTS,
    USERS,
    WORKFLOW_ORDER,
    WORKFLOWS,
    current_pi_start,
    pi_name,
)

#: The sprint goals real boards have, with commas and brackets: they sit inside Data Center's sprint strings.
SPRINT_GOALS = {"IP": "Innovation & Planning 🧭", "S1": "Kick-off: scope, risks & [dependencies]"}


@dataclass(frozen=True, slots=True)
class Skeleton:
    site: Site
    sprint_of: dict[tuple[int, int, int], Sprint]  # (team index, pi index, sprint index) -> sprint
    version_ids: dict[tuple[str, str], str]  # (project key, PI name) -> version id


def off_cadence_team(team_count: int) -> int:
    """The team whose current and next PI sprints start ``OFF_CADENCE_SHIFT_DAYS`` later than the others'."""
    return min(5, team_count - 1)


def build_skeleton(rng: random.Random, *, now: datetime, team_count: int) -> Skeleton:
    pi_start = current_pi_start(now)
    pis = [pi_name(i, pi_start) for i in (-1, 0, 1)]
    projects = [
        Project(str(10000 + i), key, name, in_train=True) for i, (key, name) in enumerate(TRAIN_PROJECTS)
    ]
    projects.append(Project("10010", EXTERNAL_PROJECT[0], EXTERNAL_PROJECT[1], in_train=False))
    projects.append(
        Project("10011", RESTRICTED_PROJECT[0], RESTRICTED_PROJECT[1], in_train=False, visible=False)
    )
    teams = _teams(rng, team_count)
    boards = [Board(t.board_id, f"{t.name} board", t.project, t.name) for t in teams]
    statuses = {sid: Status(sid, name, cat) for flow in WORKFLOWS.values() for sid, name, cat in flow}
    workflows = {key: [sid for sid, _, _ in flow] for key, flow in WORKFLOWS.items()}
    versions: list[Version] = []
    version_ids: dict[tuple[str, str], str] = {}
    vid = 10200
    for owner in projects:
        for index, name in enumerate(pis):
            end = pi_start + timedelta(days=PI_DAYS * index)
            versions.append(Version(str(vid), name, owner.key, released=index == 0, release_date=end))
            version_ids[(owner.key, name)] = str(vid)
            vid += 1
    sprints, sprint_of = _sprints(rng, teams, pis, now, team_count)
    users = [
        User(_account_id(rng), name.split()[0].lower(), name, f"user{i}@example.com", tz)
        for i, (name, tz) in enumerate(USERS)
    ]
    users.append(API_USER)
    site = Site(
        seed=0,
        today=now.date(),
        now=now,
        projects=projects,
        teams=teams,
        boards=boards,
        sprints=sprints,
        versions=versions,
        statuses=statuses,
        workflows=workflows,
        link_types=list(LINK_TYPES),
        users=users,
        pis=pis,
        current_pi=pis[1],
    )
    return Skeleton(site, sprint_of, version_ids)


def _teams(rng: random.Random, team_count: int) -> list[Team]:
    teams: list[Team] = []
    for i in range(team_count):
        name = TEAM_NAMES[i] if i < len(TEAM_NAMES) else f"Team {i + 1}"
        project = TRAIN_PROJECTS[i * len(TRAIN_PROJECTS) // team_count][0]
        teams.append(Team(_uuid(rng), 101 + i, name, project, i + 1, WORKFLOW_ORDER[i % len(WORKFLOW_ORDER)]))
    teams.append(
        Team(_uuid(rng), 190, EXTERNAL_TEAM, EXTERNAL_PROJECT[0], len(teams) + 1, "en", in_train=False)
    )
    return teams


def _sprints(
    rng: random.Random, teams: list[Team], pis: list[str], now: datetime, team_count: int
) -> tuple[dict[int, Sprint], dict[tuple[int, int, int], Sprint]]:
    """Every board's sprints: the previous PI, the current one and the next, six sprints each."""
    pi_start = current_pi_start(now)
    sprints: dict[int, Sprint] = {}
    sprint_of: dict[tuple[int, int, int], Sprint] = {}
    sprint_id = 37
    off = off_cadence_team(team_count)
    for pi_index in range(3):
        for k in range(SPRINTS_PER_PI):
            for t_index, team in enumerate(teams):
                day = pi_start + timedelta(days=PI_DAYS * (pi_index - 1) + SPRINT_DAYS * k)
                if t_index == off and pi_index >= 1:
                    day += timedelta(days=OFF_CADENCE_SHIFT_DAYS)
                start = datetime.combine(day, time(SPRINT_START_HOUR, 0), tzinfo=UTC)
                end = start + timedelta(days=SPRINT_DAYS - 1, hours=9)
                complete = end + timedelta(minutes=rng.randint(20, 600))
                # a team closes a sprint when it starts its next one (14 days on): between the end
                # (Sunday 17:00) and the next start (Monday 08:00) the sprint is still open
                following = start + timedelta(days=SPRINT_DAYS)
                state = "closed" if following <= now else ("active" if start <= now else "future")
                short = pis[pi_index].removeprefix("PI ")
                label = "IP" if k == SPRINTS_PER_PI - 1 else f"S{k + 1}"
                sprint = Sprint(
                    id=sprint_id,
                    board_id=team.board_id,
                    name=f"{team.name} {short} {label}",
                    state=state,
                    start=start,
                    end=end,
                    complete=complete if state == "closed" else None,
                    iteration=pi_index * SPRINTS_PER_PI + k,
                    pi=pis[pi_index],
                    goal=SPRINT_GOALS.get(label, ""),
                )
                sprints[sprint_id] = sprint
                sprint_of[(t_index, pi_index, k)] = sprint
                sprint_id += 1
    return sprints, sprint_of


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _account_id(rng: random.Random) -> str:
    return f"5b{rng.getrandbits(88):022x}"
