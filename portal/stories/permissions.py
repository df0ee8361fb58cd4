"""Who may do what with a story. Checked by the services and routes, per object."""

from __future__ import annotations

from portal.accounts.models import User
from portal.stories.models import Story


def can_tell(user: User | None) -> bool:
    """Telling a story takes a confirmed address, as proposing an idea does."""
    return user is not None and user.may_take_part


def can_read(user: User | None, story: Story) -> bool:
    """A published story is public; its author and staff read it always; for anyone else it
    does not exist."""
    if story.published_at is not None:
        return True
    if user is None:
        return False
    return user.is_staff or (story.author_id is not None and story.author_id == user.id)


def can_code(user: User | None) -> bool:
    """Staff code stories with themes, link them and publish them."""
    return user is not None and user.is_staff and user.blocked_at is None
