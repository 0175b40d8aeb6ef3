"""The presented-figure model: what every renderer draws, decided once and without Dash or Flask.

`build.present()` turns what loaders/ stored (cut to the rows an audience may see) into a
`model.PresentedFigure`: value, period label, status (current, stale, provisional), suppression,
the change on a year ago in words that agree with the SPC reading, and the comparison with like
figures. `words` holds the one way numbers, units and periods are written.
"""
