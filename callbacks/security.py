"""HTTP hardening: security headers, a Content-Security-Policy Dash runs under, cookie flags, proxies.

The CSP allows scripts only from this site plus the SHA-256 of each inline script Dash writes into
its page (the renderer start-up and inline clientside callbacks, from `app.csp_hashes()`); no
'unsafe-inline' or 'unsafe-eval' for scripts (tests/test_browser_security.py proves the pages run
under it with no console errors). Styles allow 'unsafe-inline' because Plotly and React set style
attributes.
"""

from __future__ import annotations

import dash
import flask
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()"
)
# Responses that may be cached: static files that carry no data.
CACHEABLE_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")


class AdaptiveSecureCookies(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS (directly, or through a
    trusted proxy's X-Forwarded-Proto), and always when SESSION_COOKIE_SECURE is set."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return flask.has_request_context() and flask.request.is_secure


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
    if trusted_proxy_hops:
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
