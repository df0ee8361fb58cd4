"""Design sessions (workshops, focus groups, committee meetings, usability tests).

Called `workshops` in code because "session" already means a database session and a login
session; people read "design sessions"."""
