"""What a design session produced: the ideas it created or changed, each with a short note."""
