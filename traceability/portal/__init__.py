"""The web portal for people: cooperatives' staff, the provincial authority, retailers.

Server-rendered pages (Jinja2, autoescaped) over the same services as the API; see
``docs/portal.md`` for the pattern every workspace follows.
"""
