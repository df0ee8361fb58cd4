"""Mail that people send to the portal: replies that become comments, and ideas by email."""
