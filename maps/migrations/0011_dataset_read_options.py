from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("maps", "0006_embedding_cache")]

    operations = [
        migrations.AddField(model_name="dataset", name="read_options", field=models.JSONField(default=dict)),
    ]
