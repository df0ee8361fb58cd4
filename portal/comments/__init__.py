"""Comments on ideas, with one level of replies."""
