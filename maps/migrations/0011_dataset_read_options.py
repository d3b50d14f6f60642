from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("maps", "0010_workspaces_sharing_tokens")]

    operations = [
        migrations.AddField(model_name="dataset", name="read_options", field=models.JSONField(default=dict)),
    ]
