"""The ASGI application for uvicorn: `uvicorn portal.asgi:app`."""

from portal.app import create_app

app = create_app()
