"""The REST API under /api/v1: FastAPI over the services layer (`create_app(settings)`)."""
