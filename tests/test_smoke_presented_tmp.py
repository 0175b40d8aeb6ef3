from callbacks import data, presenting
from loaders.measures import MEASURES


def test_smoke(app, as_user, monkeypatch):
    monkeypatch.setattr(data, "populations", lambda: ({}, ""))
    for role in ("analyst", "member"):
        with as_user(role):
            for mid in MEASURES:
                try:
                    f = presenting.presented_figure(mid)
                except Exception as e:  # noqa
                    if type(e).__name__ == "NotAuthorised":
                        continue
                    raise
                print(
                    role,
                    mid,
                    "|",
                    f.value_text,
                    "|",
                    f.period_text,
                    "|",
                    f.status.words,
                    "|",
                    f.change_text,
                    "|",
                    f.comparison,
                )
