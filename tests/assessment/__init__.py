"""Tests of assessment: the public scorecard's figures."""
