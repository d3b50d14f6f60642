# The cache of vectors, created by the maps app (maps/migrations/0006_embedding_cache.py) and handed over
# by maps 0014: the table exists already, so this changes Django's state only.
import pgvector.django.vector
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("maps", "0014_cached_embedding_moves_to_embeddings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CachedEmbedding",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("model_key", models.CharField(max_length=200)),
                        ("text_sha256", models.BinaryField(max_length=32)),
                        ("dimensions", models.PositiveSmallIntegerField()),
                        ("embedding", pgvector.django.vector.VectorField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "maps_cachedembedding",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("model_key", "text_sha256", "dimensions"), name="cached_embedding_key"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
