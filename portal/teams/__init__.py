"""The library's teams and their staff members; decisions name the teams responsible."""
