"""Feedback staff record at the desk, on comment cards, by phone or in a chat."""
