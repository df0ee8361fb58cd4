"""The staff desk: what needs a staff member's attention, gathered from each domain."""
