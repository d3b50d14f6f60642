from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0012_build_chunk_sent_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="dataset",
            name="finish_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
