"""Surveys: staff build multi-dimensional instruments (single ratings, or minimum, desired
and perceived as LibQUAL+), run them in rounds for an audience, and people answer them."""
