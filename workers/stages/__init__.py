"""Pipeline stages: plain typed functions over numpy and Arrow, with no Django and no Celery inside."""
