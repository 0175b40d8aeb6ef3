"""The force map: its caption says what the colours actually mean, and a force with no figure is
drawn as "no data" (grey, hatched, named on hover), never as a low value."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from layouts import measure
from loaders.areas import CLEVELAND, DURHAM

NORTHUMBRIA = "E23000007"
SQUARE = ([0, 1, 1, 0, 0], [0, 0, 1, 1, 0])


def _outlines() -> dict:
    return {code: (list(SQUARE[0]), list(SQUARE[1])) for code in (DURHAM, CLEVELAND, NORTHUMBRIA)}


def _ranked() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": [CLEVELAND, DURHAM],
            "area_name": ["Cleveland", "Durham"],
            "value": [46.5, 20.0],
        }
    )


def test_the_caption_matches_the_colour_bar():
    caption = measure.map_caption()
    # The caption used to say "Darker is higher" while cividis runs navy (low) to yellow (high).
    assert "Darker is higher" not in caption
    assert caption.startswith("Lighter (yellow) is higher, darker (navy) is lower")
    low, high = sample_colorscale(measure.MAP_COLORSCALE, [0.0, 1.0])
    assert measure._luminance(measure._rgb(high)) > measure._luminance(measure._rgb(low))
    assert "Grey, hatched: no figure for this force." in caption
    # Worked out from the scale, so a reversed scale reverses the words.
    assert measure.map_caption("Cividis_r").startswith(
        "Darker (navy) is higher, lighter (yellow) is lower"
    )
    section = measure.measure_section(
        type(
            "Spec",
            (),
            {
                "id": "m", "title": "M", "definition": "d", "numerator": "", "denominator": "",
                "unit": "count", "polarity": "up_good", "cadence": "", "lag": "", "target": None,
            },
        )(),
        "s", {}, "Source", "monthly", "public",
    )  # fmt: skip
    assert caption in str(section)


def test_the_highest_force_is_the_lightest_and_a_force_without_a_figure_is_no_data():
    figure = measure.map_figure(_outlines(), _ranked(), {DURHAM, CLEVELAND}, "per_100k")
    go.Figure(figure)  # plotly accepts every property, the hatching included
    shaded = {t["customdata"][0]: t for t in figure["data"] if t.get("customdata")}
    assert set(shaded) == {DURHAM, CLEVELAND}  # clickable forces are the ones with figures
    cleveland, durham = (measure._rgb(shaded[c]["fillcolor"]) for c in (CLEVELAND, DURHAM))
    assert measure._luminance(cleveland) > measure._luminance(durham)  # higher is lighter
    blank = [t for t in figure["data"] if t.get("fillpattern")]
    assert len(blank) == 1
    assert blank[0]["hovertemplate"].startswith("Northumbria: No data")
    assert blank[0]["fillcolor"] == measure.NO_DATA_FILL
    assert blank[0]["fillpattern"]["shape"] == "/"  # hatched: not told by colour alone
    assert blank[0]["line"]["width"] < shaded[DURHAM]["line"]["width"]  # not in the LCJP
    named = measure.map_figure(
        _outlines(), _ranked(), set(), "count", names={NORTHUMBRIA: "N'bria"}
    )
    assert any(t.get("hovertemplate", "").startswith("N'bria: No data") for t in named["data"])
