"""Access to the running app's services (settings, cache) from callbacks and routes."""

from __future__ import annotations

import flask


def services():
    """The Services object create_app stored on the Flask app (see app.Services)."""
    return flask.current_app.extensions["lcjp"]


def session_factory():
    return services().session_factory
