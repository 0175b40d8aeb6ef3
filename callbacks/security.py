"""HTTP hardening: security headers, a Content-Security-Policy Dash runs under, cookie flags, proxies,
and a refusal of state-changing requests sent from another site (Origin / Referer).

The CSP allows scripts only from this site plus the SHA-256 of each inline script Dash writes into
its page (the renderer start-up and inline clientside callbacks, from `app.csp_hashes()`); no
'unsafe-inline' or 'unsafe-eval' for scripts (tests/test_browser_security.py proves the pages run
under it with no console errors). Styles allow 'unsafe-inline' because Plotly and React set style
attributes.
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import dash
import flask
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from loaders.audit import audit

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()"
)
# Methods that never change anything; every other request is checked for where it came from.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Responses that may be cached: static files that carry no data.
CACHEABLE_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")


class AdaptiveSecureCookies(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS (directly, or through a
    trusted proxy's X-Forwarded-Proto), and always when SESSION_COOKIE_SECURE is set."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return flask.has_request_context() and flask.request.is_secure


class DistrustForwardedScheme:
    """With TRUSTED_PROXY_HOPS=0 no proxy is trusted, whatever the WSGI server was told: gunicorn
    trusts X-Forwarded-Proto from 127.0.0.1 unless `forwarded_allow_ips` says otherwise (our
    gunicorn.conf.py does), so a request that claimed HTTPS over a plain socket is put back to
    plain HTTP here as well."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        claimed = any(
            key in environ
            for key in (
                "HTTP_X_FORWARDED_PROTO",
                "HTTP_X_FORWARDED_PROTOCOL",
                "HTTP_X_FORWARDED_SSL",
            )
        )
        sock = environ.get("gunicorn.socket")
        if claimed and sock is not None and not isinstance(sock, ssl.SSLSocket):
            environ["wsgi.url_scheme"] = "http"
            environ["HTTPS"] = "off"
        return self.wsgi_app(environ, start_response)


def _same_site(url: str, host: str) -> bool:
    """Whether an Origin or Referer names this site (host and port; the scheme may differ when a
    proxy terminates TLS)."""
    if not url or url == "null":
        return False
    parts = urlsplit(url)
    if not parts.netloc:
        return False
    default = {"http": 80, "https": 443}.get(parts.scheme)
    netloc = parts.netloc.lower()
    if parts.port is not None and parts.port == default:
        netloc = netloc.rsplit(":", 1)[0]
    own = host.lower()
    for port in (":80", ":443"):
        own = own.removesuffix(port)
    return netloc == own


def cross_site_refusal() -> flask.Response | None:
    """Refuse a state-changing request whose Origin (or, without one, Referer) is another site.

    Browsers send Origin with every cross-site POST, so a page elsewhere cannot make a signed-in
    browser act here, even if SameSite or CORS preflight rules loosen. A request with neither header
    is not from a browser page, so it carries no victim's cookie to abuse, and goes on to the usual
    sign-in check."""
    request = flask.request
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    referer = request.headers.get("Referer")
    if origin is None and not referer:
        return None
    source = origin if origin is not None else referer
    if _same_site(source, request.host):
        return None
    audit("cross_site_refused", {"path": request.path, "origin": (source or "")[:200]})
    response = flask.jsonify(error="cross-site request refused")
    response.status_code = 403
    return response


def content_security_policy(script_hashes: list[str]) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def register_security(
    server: flask.Flask, *, trusted_proxy_hops: int = 0, force_secure_cookies: bool = False
) -> None:
    """Cookie flags, proxy trust and response headers for one Flask app (before Dash is built)."""
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=force_secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=force_secure_cookies,
    )
    server.session_interface = AdaptiveSecureCookies()
    server.before_request(cross_site_refusal)
    if not trusted_proxy_hops:
        server.wsgi_app = DistrustForwardedScheme(server.wsgi_app)
    else:
        # Only when configured: otherwise anyone could claim HTTPS or another address.
        server.wsgi_app = ProxyFix(
            server.wsgi_app,
            x_for=trusted_proxy_hops,
            x_proto=trusted_proxy_hops,
            x_host=trusted_proxy_hops,
            x_port=trusted_proxy_hops,
        )

    @server.after_request
    def add_security_headers(response: flask.Response) -> flask.Response:
        headers = response.headers
        app = server.extensions.get("lcjp_dash")
        hashes = list(app.csp_hashes()) if isinstance(app, dash.Dash) else []
        headers.setdefault("Content-Security-Policy", content_security_policy(hashes))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if flask.request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not flask.request.path.startswith(CACHEABLE_PREFIXES):
            # Figures and pages are per user: never keep them in a shared or back-button cache.
            headers["Cache-Control"] = "no-store"
            headers.setdefault("Pragma", "no-cache")
        return response
