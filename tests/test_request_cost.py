"""What one page-callback request costs the store: the session, user and rights are read once,
figures come from the warm cache, and the page's metadata in one statement, whatever the number of
datasets, figures and rights checks the callback makes."""

from __future__ import annotations

from contextlib import contextmanager

import plotly.graph_objects as go
import plotly.io as pio
import pytest
import sqlalchemy as sa
from access_probe import UPDATE_URL, callback_body, server_callbacks

E_AND_E = {"subgroup": "effectiveness-efficiency"}
# The session (with its user and organisation), the page's dataset metadata and register (which
# also gives the current vintages the figures are keyed on), and the timeline: three statements.
BOUND = 3


@contextmanager
def statements(engine: sa.Engine):
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _post(client, app, key: str, values: list):
    spec = server_callbacks(app)[key]
    response = client.post(UPDATE_URL, json=callback_body(key, spec, values, None))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


@pytest.mark.parametrize(
    ("role", "key", "values", "bound"),
    [
        ("viewer", "subgroup-tiles.children", [E_AND_E], BOUND),
        ("viewer", "ee-court-block.children", [{}], BOUND + 1),  # and the area it names
        # A chair's subgroup grants are one more read; their organisation comes with the session.
        ("chair", "subgroup-tiles.children", [E_AND_E], BOUND + 1),
    ],
)
def test_one_page_callback_reads_the_store_a_few_times(
    warmed_app, client, auth, role, key, values, bound
):
    auth.login(role)
    engine = warmed_app.server.extensions["lcjp"].engine
    _post(client, warmed_app, key, values)  # any figure the warm-up left out is built now
    with statements(engine) as seen:
        answer = _post(client, warmed_app, key, values)
    assert answer.get_json()["response"]  # a real answer, not a refusal
    assert len(seen) <= bound, "\n".join(s[:160] for s in seen)
    # The session check, the rights and the page's metadata are one read each.
    assert sum("FROM user_session" in s for s in seen) == 1
    assert not any("FROM app_user" in s for s in seen)  # the user came with the session
    assert not any("FROM data_sharing_entry" in s for s in seen)  # with the page's metadata


def test_every_figure_is_drawn_on_plotly_white_set_once():
    """The theme comes from plotly's default, applied unvalidated as a figure is built; the
    figures are the same as when base_layout set it per figure."""
    from layouts import figures

    built = figures.base_layout(go.Figure())
    assert pio.templates.default == "plotly_white"
    assert built.layout.template == pio.templates["plotly_white"]
    assert built.layout.colorway == tuple(figures.PALETTE)
