"""Tests of design sessions (`workshops` in code): scheduling, registration and the waitlist,
calendars, the advisory committee, reminders, and the links to ideas and decisions."""
