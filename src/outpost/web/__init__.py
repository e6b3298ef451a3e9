"""The web pages: server-rendered Jinja2 + htmx over the services, with their front-end files
served from `static/` by the app itself (no CDN; see `vendor.py` for how they get there)."""
