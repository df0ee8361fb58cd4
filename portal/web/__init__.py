"""The web floor: HTTP over the core, for every domain's routes and for none in particular.
Request helpers, templates, htmx, CSRF, security headers, the page cache, request ids and the
access log, metrics, error pages. It imports no domain: domains register with it (template
words and context, flash messages) and the signed-in person arrives on the request's state."""
