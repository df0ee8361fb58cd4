"""Pilots: a piloting decision's cohort, its rounds before and after, and its review."""
