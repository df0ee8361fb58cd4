"""Assessment: the library's responsiveness in numbers (the public scorecard)."""
