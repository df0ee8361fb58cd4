"""Tests of the surveys domain."""
