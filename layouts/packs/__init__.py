"""Board pack documents: pure builders that turn a pack's content into PDF, PowerPoint and Excel.

Every word and figure a pack prints is in its content dict (assembled by callbacks/packs.py from
the same measure briefs as the screens, and stored with the files as presented), so the three files
and the stored record always agree. Nothing here reads the database, the clock or the network, and
nothing imports Dash: charts arrive as PNG bytes keyed by measure id.
"""
