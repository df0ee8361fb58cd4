"""Notifications: an outbox of events, in-app notifications, and email sent by a worker."""
