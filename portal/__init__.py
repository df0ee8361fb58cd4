"""The co-design portal: ideas, votes, design sessions and "You said, we did" decisions."""

# The constraint naming convention must be on the metadata before any table is defined.
import portal.core.db  # noqa: F401

__version__ = "0.1.0"
