"""Messaging: people talk to the portal from a chat app (a Matrix bot, or another platform's
relay through a signed webhook), and their notifications come to them there as messages."""
