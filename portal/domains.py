"""Every domain, plugged into the floors below it: the wiring that the app, the worker and
`portal check` share.

The core and web floors import no domain, and a domain imports none that builds on it. What a
domain brings to a floor below, it registers there as it is imported (portal.core.hooks):
the words for its codes that pages and emails show, its jobs in the worker's round, what
happens beside an idea's own rows when it is proposed or merged, what a role change means for
a committee member's places. Importing this module imports every one of those, so each is in
place whichever way the portal started. What only pages need (flash texts, the header's unread
count, the site's settings) registers beside the routes, which the app imports.
"""

from __future__ import annotations

import portal.core.ratelimit.jobs  # noqa: F401 - the worker forgets old rate-limit windows
import portal.models  # noqa: F401 - every table, for foreign keys across domains
from portal.accounts import labels as accounts_labels  # noqa: F401 - role names
from portal.decisions import labels as decisions_labels  # noqa: F401 - outcomes
from portal.ideas import labels as ideas_labels  # noqa: F401 - statuses, idea_title
from portal.notifications import labels as notifications_labels  # noqa: F401 - email kinds
from portal.workshops import jobs as workshops_jobs  # noqa: F401 - reminders, lapsed terms
from portal.workshops import labels as workshops_labels  # noqa: F401 - session kinds
