"""gunicorn settings that agree with the app's own (gunicorn reads this file from the folder it is
started in: run `gunicorn app:server` from the repository, or pass `-c path/to/gunicorn.conf.py`).

Proxy headers are trusted in one place only: the app, which applies werkzeug's ProxyFix to exactly
`TRUSTED_PROXY_HOPS` proxies (callbacks/security.py). gunicorn itself trusts none: left to its
defaults it would believe `X-Forwarded-Proto: https` from 127.0.0.1 (`forwarded_allow_ips`), so
anything on the host, or a proxy not meant to be trusted, could make a plain-HTTP request pass as
HTTPS.
"""

forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}


def post_fork(_server, _worker):
    """With `--preload` the app is built once in the master and its memory shared with the
    workers; the database connections it opened must not be: each worker opens its own. (Redis
    clients notice the fork themselves.)"""
    import app

    if app._app is not None:
        app._app.server.extensions["lcjp"].engine.dispose(close=False)
