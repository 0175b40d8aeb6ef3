"""Every callback and every route the app registers, called over HTTP as every kind of user with
legitimate and forged inputs: no response may carry a figure that user may not see.

How a leak is detected (non-interference): a response may depend only on data its user may see.
Each probe is sent once, then the figures the user may NOT see are overwritten in the database
with a sentinel value, and the probe is sent again. If the user's response changes at all, some of
the hidden data reached it (directly, or through a total, a rank or a median); if the sentinel
appears, it reached it verbatim. A positive control checks that users who may see the mutated
figures do get different responses, so the test can fail.

Three slices of hidden data are checked:
- another force's figures: every dataset is treated as force-restricted and Cleveland's figures are
  overwritten; a Durham Constabulary user (with every subgroup), a viewer and a partner chair must
  not notice;
- other subgroups' figures: for each subgroup, a member of only that subgroup must not notice when
  every other subgroup's figures are overwritten;
- a force outside the partnership: a partner the data-sharing register shares a force-restricted
  dataset with sees the partnership's forces in it, and must not notice Northumbria's changing.

The forged values are sent on SQLite only: what they test (input checks and rights in Python, above
the database) does not change with the database, and they are most of the probes. On PostgreSQL the
same non-interference checks run with every callback's legitimate inputs.

Nothing is listed by hand: callbacks come from app.callback_map, pages from dash.page_registry and
routes from the Flask URL map, so what other modules add later is covered automatically.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import dash
import pytest
import sqlalchemy as sa
from access_probe import (
    UPDATE_URL,
    anonymous_requests,
    callback_body,
    callback_probes,
    components,
    discover_layouts,
    hrefs,
    page_probes,
    route_probes,
    routing_callback,
    server_callbacks,
)
from werkzeug.security import generate_password_hash

from callbacks import data
from callbacks.page_guard import NOT_AUTHORISED_PAGE_ID, is_guarded
from config import Settings
from layouts import ids
from loaders import access, meetings, models, sharing, users
from loaders.areas import CLEVELAND, DURHAM
from loaders.datasets import DATASETS
from loaders.measures import MEASURES, SUBGROUPS
from loaders.models import Dataset, Observation

SENTINEL = 987654.0
SENTINEL_TEXT = "987654"
OK_STATUSES = {200, 204}


def enumeration_users() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """key → (role, organisation, subgroups): one user per kind of right the rules distinguish."""
    every = tuple(SUBGROUPS)
    people = {
        "admin": ("admin", "opcc", ()),
        "analyst": ("analyst", "opcc", ()),
        "viewer": ("viewer", "", ()),
        "partner-chair": ("chair", "hmcts", every[:1]),
        "durham": ("member", "police-durham", every),
        "cleveland": ("member", "police-cleveland", every),
        # The register shares a force-restricted dataset with this partner in one test only.
        "shared-partner": ("viewer", "probation", ()),
    }
    for subgroup in SUBGROUPS:
        people[f"only-{subgroup}"] = ("member", "cps", (subgroup,))
    return people


@pytest.fixture(scope="module")
def world(databases, tmp_path_factory, public_data_dir):
    """An app on its own real-data database (mutated by these tests), one signed-in client per
    user, and the probes built from the app's own registries."""
    from app import create_app

    settings = Settings(
        database_url=databases.new(),
        secret_key="enumeration-secret",
        public_data_dir=public_data_dir,
        instance_dir=tmp_path_factory.mktemp("enumeration"),
        refresh_on_start=True,
        testing=True,
        login_max_failures_per_address=1000,
    ).resolved()
    app = create_app(settings)
    factory = app.server.extensions["lcjp"].session_factory
    clients = {}
    with pytest.MonkeyPatch.context() as patch:
        # Password hashing is tested elsewhere; here a light scrypt keeps a dozen sign-ins quick.
        patch.setattr(models, "generate_password_hash", _light_scrypt)
        for key, (role, organisation, subgroups) in enumeration_users().items():
            username, password = f"enum-{key}", f"{key}-long-pass-phrase"
            users.create_user(
                factory,
                username,
                password,
                role=role,
                organisation=organisation,
                subgroups=subgroups,
            )
            client = app.server.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            signed_in = client.post(
                "/login", data={"username": username, "password": password, "csrf": token}
            )
            assert signed_in.status_code == 302, key
            clients[key] = client
    layouts = discover_layouts(app, clients["admin"])
    # A meeting of the LCJP Board (every subgroup's measures): its id joins the forged values, so
    # meeting screens are probed with one that exists.
    app.meeting_id = meetings.create_meeting(
        factory, "lcjp-board", "2026-11-20", "", by="enum-analyst"
    )
    return app, factory, clients, layouts


@pytest.fixture(scope="module")
def forged(databases):
    """`forged(values)`: the forged values to send, all of them on SQLite, none on PostgreSQL."""
    return lambda values: [] if databases.is_postgres else list(values)


def _light_scrypt(password: str) -> str:
    return generate_password_hash(password, method="scrypt:1024:8:1")


def probes_for(app, layouts, pool) -> list:
    """Every callback and route with each forged value; pages with the first two and, where the
    pool holds it, the meeting's id (so a meeting's screens open for real)."""
    meeting = [v for v in pool if v == str(getattr(app, "meeting_id", ""))]
    pages = list(dict.fromkeys([*pool[:2], *meeting]))
    return callback_probes(app, layouts, pool) + page_probes(app, pages) + route_probes(app, pool)


def run_all(clients: dict, keys, probes, *, legit_only: bool = False) -> dict:
    responses = {}
    for key in keys:
        for probe in probes:
            if legit_only and not probe.legit:
                continue
            response = probe.send(clients[key])
            responses[(key, probe.name)] = (response.status_code, response.get_data(as_text=True))
    return responses


def _keep_vintages_migration():
    """The migration whose triggers make stored figures append-only (loaded by file path)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "loaders/migrations/versions/0007_keep_vintages.py"
    spec = importlib.util.spec_from_file_location("keep_vintages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_history_unlocked(session, change) -> None:
    """Run `change(session)` with the append-only triggers on observation suspended.

    Only this test rewrites stored figures (to plant a sentinel and put the real ones back);
    the triggers come back in the same transaction, so nothing else ever sees them missing.
    """
    keep = _keep_vintages_migration()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sa.text("ALTER TABLE observation DISABLE TRIGGER observation_kept"))
        change(session)
        session.execute(sa.text("ALTER TABLE observation ENABLE TRIGGER observation_kept"))
        return
    name = "observation_kept_on_update"
    session.execute(sa.text(f"DROP TRIGGER {name}"))
    change(session)
    when = keep.SQLITE_TRIGGERS[name]
    session.execute(
        sa.text(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{keep.MESSAGE}'); END")
    )


def forget_figures(factory) -> None:
    """Figures changed in place (no new vintage): drop every stored one and this worker's copies."""
    with factory.begin() as session:
        session.execute(sa.delete(models.FigureEntry))
    data._CACHE.clear()


class Mutation:
    """Overwrite some current figures with the sentinel, and put them back afterwards."""

    def __init__(self, factory, condition):
        self.factory, self.condition, self.saved = factory, condition, []

    def __enter__(self):
        current = sa.select(Dataset.current_vintage_id).where(
            Dataset.current_vintage_id.is_not(None)
        )
        where = sa.and_(Observation.vintage_id.in_(current), self.condition)
        with self.factory.begin() as session:
            self.saved = session.execute(
                sa.select(
                    Observation.id,
                    Observation.value,
                    Observation.numerator,
                    Observation.denominator,
                ).where(where)
            ).all()
            assert self.saved, "the mutation matched no figures: the test would prove nothing"
            _with_history_unlocked(
                session,
                lambda s: s.execute(
                    sa.update(Observation)
                    .where(where)
                    .values(
                        value=SENTINEL,
                        numerator=sa.case((Observation.numerator.is_(None), None), else_=SENTINEL),
                        denominator=sa.case(
                            (Observation.denominator.is_(None), None), else_=SENTINEL
                        ),
                    )
                ),
            )
        forget_figures(self.factory)
        return self

    def __exit__(self, *exc):
        with self.factory.begin() as session:
            _with_history_unlocked(
                session,
                lambda s: s.execute(
                    sa.update(Observation),
                    [
                        {"id": i, "value": v, "numerator": n, "denominator": d}
                        for i, v, n, d in self.saved
                    ],
                ),
            )
        forget_figures(self.factory)


def leaks(before: dict, after: dict, keys) -> list[str]:
    """Probes whose response changed for a user who may not see what changed."""
    found = []
    for (key, name), (status, text) in after.items():
        if key not in keys:
            continue
        old_status, old_text = before[(key, name)]
        if SENTINEL_TEXT in text.replace(",", ""):
            found.append(f"{key}: {name}: the sentinel value appears in the response")
        elif (status, text) != (old_status, old_text):
            found.append(f"{key}: {name}: the response changed when hidden figures changed")
    return found


def server_errors(responses: dict) -> list[str]:
    return [
        f"{key}: {name}: HTTP {status}: {text[:200]}"
        for (key, name), (status, text) in responses.items()
        if status not in OK_STATUSES
        and status not in {401, 403, 404}  # 404: no such thing
        # 400: a forged value the input checks refuse (callbacks/input_shapes.py); never a legit one
        and not (status == 400 and not name.endswith(" legit"))
    ]


def test_every_page_and_callback_is_enumerated(world):
    app, _factory, _clients, _layouts = world
    callbacks = server_callbacks(app)
    assert routing_callback(app) in callbacks
    # Every page's layout is wrapped by the guard, whoever registered it.
    assert dash.page_registry and all(is_guarded(page) for page in dash.page_registry.values())
    # The probes reach every server callback.
    probes = probes_for(app, _layouts, [CLEVELAND])
    reached = {p.body["output"] for p in probes if p.body}
    assert set(callbacks) <= reached


def test_another_forces_figures_never_reach_a_force_user(world, forged, monkeypatch):
    app, factory, clients, layouts = world
    for dataset_id, spec in DATASETS.items():
        monkeypatch.setitem(
            DATASETS, dataset_id, dataclasses.replace(spec, classification="force_restricted")
        )
    denied = ["durham", "viewer", "partner-chair"]
    controls = ["cleveland", "analyst"]
    with factory() as session:
        cleveland_areas = [c for c, f in access.area_force_map(session).items() if f == CLEVELAND]
        # The restricted datasets that hold Cleveland's figures: the ids worth forging.
        holding = sorted(
            session.scalars(
                sa.select(Observation.dataset_id)
                .where(Observation.area_code.in_(cleveland_areas))
                .distinct()
            )
        )
    pool = forged([CLEVELAND, "CC-TEESSIDE", "CC-DOES-NOT-EXIST", *holding, str(app.meeting_id)])
    probes = probes_for(app, layouts, pool)
    before = run_all(clients, denied, probes)
    before.update(run_all(clients, controls, probes, legit_only=True))
    errors = server_errors(before)
    assert not errors, "\n".join(errors)
    with Mutation(factory, Observation.area_code.in_(cleveland_areas)):
        after = run_all(clients, denied, probes)
        after.update(run_all(clients, controls, probes, legit_only=True))
    found = leaks(before, after, denied)
    assert not found, "\n".join(found)
    # Positive control: Cleveland's own user (and the OPCC) see Cleveland's figures change.
    changed = {
        key
        for key in controls
        if any(before[(key, n)] != after[(key, n)] for (k, n) in after if k == key)
    }
    assert changed == set(controls)
    # And the Durham user still sees Durham's own force-restricted figures.
    crime = [
        p for p in probes if p.legit and "police-crime-graph" in (p.body or {}).get("output", "")
    ]
    assert crime and "Durham" in after[("durham", crime[0].name)][1]


NORTHUMBRIA = "E23000007"


def test_a_shared_dataset_reaches_a_partner_for_the_partnerships_forces_only(world, forged):
    """The register makes the street records force-restricted and shares them with the partner:
    through every callback, page and download the partner gets Durham's and Cleveland's records
    (and the partnership's, made from them) but nothing of Northumbria's."""
    import flask_login

    from callbacks import police

    app, factory, clients, layouts = world
    partner, street = "shared-partner", "police_uk_street"
    with factory() as session:
        entry = session.get(models.DataSharingEntry, street)
        saved = {c.key: getattr(entry, c.key) for c in sa.inspect(entry).mapper.column_attrs}
        northumbria = [c for c, f in access.area_force_map(session).items() if f == NORTHUMBRIA]
    organisations = {"probation"}
    shared = sharing.SharingEdit(
        street, "DSA", "DSA-T1", None, ("probation",), False, classification="force_restricted"
    )
    sharing.update_entry(factory, shared, organisations)
    try:
        with factory() as session, app.server.test_request_context(UPDATE_URL, method="POST"):
            flask_login.login_user(users.find_user(session, f"enum-{partner}"))
            rows = data.observations("police_street_records")
            assert set(rows["area_code"]) == {DURHAM, CLEVELAND}
            assert police.visible_forces() == [DURHAM, CLEVELAND]
        pool = forged([NORTHUMBRIA, street, "police_street_records"])
        probes = probes_for(app, layouts, pool)
        before = run_all(clients, [partner], probes)
        before.update(run_all(clients, ["analyst"], probes, legit_only=True))
        errors = server_errors(before)
        assert not errors, "\n".join(errors)
        where = sa.and_(Observation.dataset_id == street, Observation.area_code.in_(northumbria))
        with Mutation(factory, where):
            after = run_all(clients, [partner], probes)
            after.update(run_all(clients, ["analyst"], probes, legit_only=True))
        found = leaks(before, after, [partner])
        assert not found, "\n".join(found)
        assert any(before[k] != after[k] for k in after if k[0] == "analyst")  # the control
        crime = [
            p
            for p in probes
            if p.legit and "police-crime-graph" in (p.body or {}).get("output", "")
        ]
        assert crime and "Durham" in after[(partner, crime[0].name)][1]
    finally:
        with factory.begin() as session:
            entry = session.get(models.DataSharingEntry, street)
            for name, value in saved.items():
                setattr(entry, name, value)


@pytest.mark.parametrize("subgroup", list(SUBGROUPS))
def test_other_subgroups_figures_never_reach_a_subgroup_member(world, forged, subgroup):
    app, factory, clients, layouts = world
    user = f"only-{subgroup}"
    foreign = [m.id for m in MEASURES.values() if m.subgroup != subgroup]
    own = [m.id for m in MEASURES.values() if m.subgroup == subgroup]
    # Each other subgroup's first measure id and a dataset only it uses.
    own_datasets = {MEASURES[m].dataset_id for m in own}
    pool = []
    for other in (s for s in SUBGROUPS if s != subgroup):
        theirs = [m for m in MEASURES.values() if m.subgroup == other]
        pool.append(theirs[0].id if theirs else other)
        pool += [m.dataset_id for m in theirs if m.dataset_id not in own_datasets][:1]
    pool = forged(dict.fromkeys([*pool, "CC-DOES-NOT-EXIST", "x' OR '1'='1", str(app.meeting_id)]))
    probes = probes_for(app, layouts, pool)
    before = run_all(clients, [user], probes)
    before.update(run_all(clients, ["analyst"], probes, legit_only=True))
    errors = server_errors(before)
    assert not errors, "\n".join(errors)
    with Mutation(factory, Observation.measure_id.in_(foreign)):
        after = run_all(clients, [user], probes)
        after.update(run_all(clients, ["analyst"], probes, legit_only=True))
    found = leaks(before, after, [user])
    assert not found, "\n".join(found)
    assert any(before[k] != after[k] for k in after if k[0] == "analyst") or not foreign
    # The member's own subgroup still works for them: their own figures come through.
    if own:
        page = next((p for p in dash.page_registry.values() if p.get("subgroup") == subgroup), None)
        if page is None:
            pytest.skip(f"no page is registered for the {subgroup} subgroup yet")
        body = callback_body(
            routing_callback(app), app.callback_map[routing_callback(app)], [page["path"], ""], None
        )
        opened = clients[user].post(UPDATE_URL, json=body).get_data(as_text=True)
        assert NOT_AUTHORISED_PAGE_ID not in opened


def test_pages_open_only_for_those_the_rules_allow(world):
    app, factory, clients, _layouts = world
    key = routing_callback(app)
    spec = app.callback_map[key]
    for user_key, client in clients.items():
        with factory() as session:
            rights = access.rights_for(session, users.find_user(session, f"enum-{user_key}").id)
        navigation = set(hrefs(client.get("/_dash-layout").get_json()))
        for page in dash.page_registry.values():
            body = callback_body(key, spec, [page["path"], ""], None)
            response = client.post(UPDATE_URL, json=body)
            assert response.status_code == 200
            shown = {str(i) for i, _props in components(response.get_json())}
            where = (user_key, page["path"])
            # Pages marked in_navigation=False (a meeting's screens) are reached from another page.
            listed = page.get("in_navigation", True)
            if _expected_open(rights, page):
                assert NOT_AUTHORISED_PAGE_ID not in shown, where
                assert (page["path"] in navigation) == listed, where
            else:
                # A plain message: none of the page's own components, so no data and no inputs.
                assert shown == {NOT_AUTHORISED_PAGE_ID, ids.PAGE_HEADING}, where
                assert page["path"] not in navigation, where


def _expected_open(rights, page) -> bool:
    """The rights model, stated independently of callbacks/permissions.py."""
    if page.get("roles") or page["path"].startswith("/admin"):
        roles = page.get("roles") or ("admin",)
        return "*" in roles or rights.role in roles
    if page.get("submission_page"):
        return any(access.can_submit(rights, d) for d in DATASETS)
    subgroups = page.get("subgroups") or ((page["subgroup"],) if page.get("subgroup") else ())
    if not subgroups:
        return True
    return any(
        access.can_view_subgroup(rights, subgroup)
        and (
            rights.sees_all_data
            or any(
                access.can_view_measure(rights, m.id)
                for m in MEASURES.values()
                if m.subgroup == subgroup
            )
        )
        for subgroup in subgroups
    )


def test_anonymous_requests_to_every_route_are_refused(world):
    app, _factory, _clients, _layouts = world
    anonymous = app.server.test_client()
    pages = {page["path"] for page in dash.page_registry.values()}
    checked = anonymous_requests(app, pages)
    assert any(url.startswith("/_dash-") for _m, url, _e in checked)
    assert any(url == "/admin/audit.csv" for _m, url, _e in checked)
    for method, url, expected in checked:
        response = anonymous.open(url, method=method, json={} if method == "POST" else None)
        assert str(response.status_code) == expected, (method, url, response.status_code)
        if expected == "401":
            assert response.get_json() == {"error": "authentication required"}, (method, url)
        else:
            assert response.headers["Location"].startswith("/login?next=")


def test_a_leaky_callback_would_be_caught(world):
    """The detector itself: a callback that trusts a pattern-matching id and reads figures without
    the rights check must be reported, so the tests above can fail."""
    from dash import MATCH, Input, Output

    from loaders import queries

    app, factory, clients, layouts = world

    def leaky(_clicks, measure_id):
        with factory() as session:
            frame = queries.observations(session, str(measure_id))
        return f"{frame['value'].sum():.0f}"

    canary = {"type": "leak-canary", "measure": MATCH}
    app.callback(Output(canary, "children"), Input(canary, "n_clicks"), Input(canary, "title"))(
        leaky
    )
    try:
        subgroup = next(iter(SUBGROUPS))
        user = f"only-{subgroup}"
        foreign = [m.id for m in MEASURES.values() if m.subgroup != subgroup]
        if not foreign:
            pytest.skip("only one subgroup is registered")
        probes = [
            p
            for p in callback_probes(app, layouts, [foreign[0]])
            if "leak-canary" in p.body["output"]
        ]
        assert probes
        before = run_all(clients, [user], probes)
        with Mutation(factory, Observation.measure_id.in_(foreign)):
            after = run_all(clients, [user], probes)
        assert leaks(before, after, [user])
    finally:
        for key in [k for k in app.callback_map if "leak-canary" in k]:
            del app.callback_map[key]
        app._callback_list[:] = [c for c in app._callback_list if "leak-canary" not in str(c)]
