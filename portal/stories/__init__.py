"""Impact stories: one specific time the library made a difference, told by a person."""
