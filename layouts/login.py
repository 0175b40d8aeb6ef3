"""The sign-in page: plain HTML, so it works before any Dash route is open to the visitor."""

from __future__ import annotations

from markupsafe import escape


def render_login_page(
    *, next_url: str, csrf: str, error: str = "", demo_users: list[tuple[str, str]] | None = None
) -> str:
    """A complete, accessible sign-in page; every value is escaped."""
    error_html = (
        f'<div class="alert alert-danger" role="alert" id="login-error">{escape(error)}</div>'
        if error
        else ""
    )
    demo_html = ""
    if demo_users:
        rows = "".join(
            f"<tr><td><code>{escape(u)}</code></td><td><code>{escape(p)}</code></td></tr>"
            for u, p in demo_users
        )
        demo_html = (
            '<section class="mt-4" aria-labelledby="demo-heading">'
            '<h2 id="demo-heading" class="h6">Demo users (demonstration instance only)</h2>'
            '<table class="table table-sm"><thead><tr><th scope="col">Username</th>'
            f'<th scope="col">Password</th></tr></thead><tbody>{rows}</tbody></table></section>'
        )
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – LCJP Performance Board</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<main class="container py-5" style="max-width: 28rem">
<h1 class="h3 mb-4">LCJP Performance Board</h1>
{error_html}
<form method="post" action="/login" novalidate>
<input type="hidden" name="csrf" value="{escape(csrf)}">
<input type="hidden" name="next" value="{escape(next_url)}">
<div class="mb-3">
<label class="form-label" for="username">Username</label>
<input class="form-control" id="username" name="username" autocomplete="username" required>
</div>
<div class="mb-3">
<label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required>
</div>
<button class="btn btn-primary" id="login-submit" type="submit">Sign in</button>
</form>
{demo_html}
</main>
</body>
</html>
"""
