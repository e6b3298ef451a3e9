"""/api/docs: Swagger UI served from this server's own files (npm's swagger-ui-dist, copied
by outpost.web.vendor), under a Content-Security-Policy that allows this origin only."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR = "/static/vendor/swagger-ui-dist"
# Nothing from another origin, no inline script or style, no plugins, no framing.
POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Outpost API</title>
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="{init}"></script>
</body>
</html>
"""


@router.get("/api/docs", response_class=HTMLResponse)
def read_docs(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = PAGE.format(
        vendor=escape(root + VENDOR),
        openapi=escape(root + (request.app.openapi_url or "")),
        init=escape(root + "/api/static/docs.js"),
    )
    headers = {
        "Content-Security-Policy": POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(page, headers=headers)
