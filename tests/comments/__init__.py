"""Tests of the comments domain."""
