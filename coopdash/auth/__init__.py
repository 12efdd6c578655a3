"""Accounts, roles, sessions and the audit trail (no Streamlit here).

- roles.py: the four roles, the pages each may open, their data scope.
- accounts.py: the SQLite database under the state folder (users, sessions, sign-in failures, audit).
- tokens.py: the signing key shared by every server process, the session cookie's signature.
- web.py: the sign-in and sign-out routes and the gate in front of the pages (Starlette, server.py).
"""
