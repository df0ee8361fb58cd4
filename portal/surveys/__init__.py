"""Surveys: instruments, rounds, responses and their results."""
