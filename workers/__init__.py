"""Background work: the map build pipeline, its stages and the Celery tasks that run it."""
