"""Ground library: how texts are read into words (no Django, no Celery, nothing of the app)."""
