"""The home page, and the health report that load balancers and monitoring read (/healthz)."""
