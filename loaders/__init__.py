"""Read, validate and store published and partner data. Never imports dash."""
