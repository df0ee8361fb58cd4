"""Tests of the ideas domain."""
