"""Ideas: proposals for library services, their categories and status history."""
