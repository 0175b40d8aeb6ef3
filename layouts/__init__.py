"""Pure component builders: they take data and return Dash components, and do no I/O."""
