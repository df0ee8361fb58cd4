"""Decisions: "You said, we did", with follow-up answers from the people who took part."""
