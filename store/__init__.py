"""Local store: SQLAlchemy models, Alembic migrations, repositories and at-rest crypto.

No Qt here. Sessions never cross threads; callers receive plain data, not ORM objects.
"""
