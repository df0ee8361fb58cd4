"""Tests of the votes domain."""
