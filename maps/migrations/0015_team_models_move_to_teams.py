# The team models now belong to the teams app (teams 0001 takes them, on the same tables): the dataset's
# workspace points there, and the maps app's state lets them go. Nothing changes in the database.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0014_cached_embedding_moves_to_embeddings"),
        ("teams", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="dataset",
                    name="workspace",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="datasets",
                        to="teams.workspace",
                    ),
                ),
                migrations.DeleteModel(name="AuditEvent"),
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="Invitation"),
                migrations.DeleteModel(name="Membership"),
                migrations.DeleteModel(name="ShareLink"),
                migrations.DeleteModel(name="Workspace"),
            ],
        ),
    ]
