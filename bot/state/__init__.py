"""Persistence: the database, its migrations, one repository per concern, backup."""
