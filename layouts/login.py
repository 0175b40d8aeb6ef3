"""The sign-in page: plain HTML, so it works before any Dash route is open to the visitor."""

from __future__ import annotations

from markupsafe import escape


def render_login_page(
    *,
    next_url: str,
    csrf: str,
    error: str = "",
    notice: str = "",
    demo_users: list[tuple[str, ...]] | None = None,
) -> str:
    """A complete, accessible sign-in page; every value is escaped.

    `demo_users` rows are (username, password) or (username, password, role, what they see).
    """
    error_html = (
        f'<div class="alert alert-danger" role="alert" id="login-error">{escape(error)}</div>'
        if error
        else ""
    )
    notice_html = (
        f'<div class="alert alert-info" role="status" id="login-notice">{escape(notice)}</div>'
        if notice and not error
        else ""
    )
    demo_html = ""
    if demo_users:
        rows = "".join(
            "<tr>"
            + f'<th scope="row"><code>{escape(row[0])}</code></th>'
            + f"<td><code>{escape(row[1])}</code></td>"
            + "".join(f"<td>{escape(cell)}</td>" for cell in row[2:4])
            + "</tr>"
            for row in demo_users
        )
        extra = (
            '<th scope="col">Role</th><th scope="col">Who they are and what they see</th>'
            if len(demo_users[0]) > 2
            else ""
        )
        demo_html = (
            '<section class="mt-4" aria-labelledby="demo-heading">'
            '<h2 id="demo-heading" class="h6">Demo users (demonstration instance only)</h2>'
            '<p class="small">One per role: sign in as each to see what that role sees.</p>'
            '<table class="table table-sm" id="demo-users"><thead><tr><th scope="col">Username</th>'
            f'<th scope="col">Password</th>{extra}</tr></thead><tbody>{rows}</tbody></table></section>'
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
<main class="container py-5 login-main">
<h1 class="h3 mb-4">LCJP Performance Board</h1>
{error_html}{notice_html}
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
