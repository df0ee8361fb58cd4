"""Accounts: people, their roles, sign-up, sign-in and revocable login sessions."""
