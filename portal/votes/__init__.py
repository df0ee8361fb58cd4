"""Votes and follows: one per person per idea, kept unique by the database."""
