from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("maps", "0004_topic_hierarchy_and_quality")]

    operations = [
        migrations.AlterField(
            model_name="dataset", name="text_field", field=models.CharField(blank=True, default="", max_length=200)
        ),
        migrations.AddField(model_name="dataset", name="text_template", field=models.TextField(blank=True, default="")),
        migrations.AddField(
            model_name="dataset", name="id_field", field=models.CharField(blank=True, default="", max_length=200)
        ),
        migrations.AddField(
            model_name="dataset", name="vector_field", field=models.CharField(blank=True, default="", max_length=200)
        ),
    ]
