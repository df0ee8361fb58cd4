"""The site's own settings, made by an admin in the browser, and the list of what a new site
still needs set up."""
