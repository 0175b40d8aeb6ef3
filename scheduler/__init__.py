"""When data is refreshed: at first start, from the command line, and (later) on a schedule."""
