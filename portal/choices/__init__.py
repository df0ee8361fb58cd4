"""Choices: a question staff put to people on an idea or a design session, "pick one" or
"rank them", and its results."""
