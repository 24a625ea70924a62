"""Alembic migrations, append-only: never edit a released one, add the next."""
