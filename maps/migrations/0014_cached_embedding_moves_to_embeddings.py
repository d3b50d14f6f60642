# The cache of vectors moves to the embeddings app: the table stays as it is (maps_cachedembedding), only
# Django's record of which app owns the model changes (embeddings/migrations/0001_initial.py takes it).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0013_dataset_finish_attempts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CachedEmbedding")],
            database_operations=[],
        ),
    ]
