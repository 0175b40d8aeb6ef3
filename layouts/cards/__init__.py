"""One module per chart card (8Knot style): pure process_data, create_figure and summarise."""
