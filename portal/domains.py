"""Every domain, plugged into the floors below it: the wiring that the app, the worker and
`portal check` share.

The core and web floors import no domain, and a domain imports none that builds on it. What a
domain brings to a floor or a domain below, it registers there as it is imported
(portal.core.hooks): the words for its codes that pages and emails show, its jobs in the
worker's round, its part of a person's privacy export and erasure, what happens to an idea's
votes when it is proposed or merged, what a role change means for a committee member's
places. Importing this module imports every one of those, so each is in place whichever way
the portal started. What only pages need (flash texts, the header's unread count, the site's
settings) registers beside the routes, which the app imports.

It also names the checks of `portal check`, in the order they run and repair.
"""

from __future__ import annotations

from sqlalchemy import Engine

import portal.core.ratelimit.jobs  # noqa: F401 - the worker forgets old rate-limit windows
import portal.models  # noqa: F401 - every table, for foreign keys across domains
from portal.accounts import labels as accounts_labels  # noqa: F401 - role names
from portal.choices import checks as choices_checks
from portal.choices import labels as choices_labels  # noqa: F401 - kinds, texts
from portal.choices import privacy as choices_privacy  # noqa: F401 - answers given
from portal.comments import checks as comments_checks
from portal.comments import privacy as comments_privacy  # noqa: F401 - comments written
from portal.core import integrity, markdown
from portal.core.integrity import Check, Report
from portal.decisions import checks as decisions_checks
from portal.decisions import labels as decisions_labels  # noqa: F401 - outcomes
from portal.decisions import privacy as decisions_privacy  # noqa: F401 - follow-up answers
from portal.desk import labels as desk_labels  # noqa: F401 - what desk feedback became
from portal.ideas import checks as ideas_checks
from portal.ideas import labels as ideas_labels  # noqa: F401 - statuses, idea_title
from portal.ideas import privacy as ideas_privacy  # noqa: F401 - ideas proposed
from portal.media import checks as media_checks
from portal.media import privacy as media_privacy  # noqa: F401 - files attached
from portal.messaging import jobs as messaging_jobs  # noqa: F401 - messages, old codes
from portal.messaging import privacy as messaging_privacy  # noqa: F401 - chat links
from portal.notifications import checks as notifications_checks
from portal.notifications import labels as notifications_labels  # noqa: F401 - email kinds
from portal.notifications import privacy as notifications_privacy  # noqa: F401 - unsent email
from portal.pilots import audiences as pilots_audiences  # noqa: F401 - cohorts as audiences
from portal.pilots import checks as pilots_checks
from portal.pilots import jobs as pilots_jobs  # noqa: F401 - rounds before and after (first)
from portal.pilots import labels as pilots_labels  # noqa: F401 - review outcomes
from portal.pilots import privacy as pilots_privacy  # noqa: F401 - cohorts joined
from portal.stories import privacy as stories_privacy  # noqa: F401 - stories told
from portal.surveys import checks as surveys_checks
from portal.surveys import jobs as surveys_jobs  # noqa: F401 - invitations, reminders
from portal.surveys import labels as surveys_labels  # noqa: F401 - scales, groups
from portal.surveys import privacy as surveys_privacy  # noqa: F401 - responses
from portal.teams import checks as teams_checks
from portal.triage import checks as triage_checks
from portal.votes import checks as votes_checks
from portal.votes import privacy as votes_privacy  # noqa: F401 - votes and follows
from portal.votes import services as votes_services  # noqa: F401 - an idea's votes move with it
from portal.workshops import checks as workshops_checks
from portal.workshops import jobs as workshops_jobs  # noqa: F401 - reminders, lapsed terms
from portal.workshops import labels as workshops_labels  # noqa: F401 - session kinds
from portal.workshops import membership  # noqa: F401 - a role change releases places
from portal.workshops import privacy as workshops_privacy  # noqa: F401 - places given up

# What `portal check` verifies (portal.core.integrity), in the order it runs and repairs.
CHECKS: list[tuple[str, Check]] = [
    ("votes and trending", votes_checks.check),
    ("comment counts and threads", comments_checks.check),
    ("duplicates and first responses", ideas_checks.check),
    ("decisions' ideas", decisions_checks.check),
    ("session places", workshops_checks.check),
    ("email queue", notifications_checks.check),
    ("team members", teams_checks.check),
    ("idea owners", triage_checks.check),
    ("survey answers and audiences", surveys_checks.check),
    ("pilot cohorts", pilots_checks.check),
    ("stored Markdown", markdown.check),
    ("question answers", choices_checks.check),
    ("attached files", media_checks.check),
]


def check(engine: Engine, *, repair: bool = False) -> Report:
    """`portal check`: every domain's checks in order, and with `repair` set right what the
    rows can tell, in one transaction."""
    return integrity.run(engine, CHECKS, repair=repair)
