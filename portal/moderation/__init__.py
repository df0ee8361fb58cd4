"""Moderation: flags from anyone signed in, a staff queue, hiding and restoring content,
blocking people, and an audit log of every staff and admin action."""
