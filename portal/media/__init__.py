"""Pictures and PDFs attached to ideas, comments, design sessions and decisions."""
