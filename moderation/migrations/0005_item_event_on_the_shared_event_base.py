import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """ItemEvent on core.events.Event: its text becomes the comment (the column is
    renamed, the rows kept), a data column, an actor that may be the system, and the
    caller's time (no default)."""

    dependencies = [
        ("moderation", "0004_removal_reasons_of_the_bbs_law"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="itemevent", old_name="text", new_name="comment"),
        migrations.AlterField(
            model_name="itemevent",
            name="comment",
            field=models.TextField(blank=True, verbose_name="kommentar"),
        ),
        migrations.AddField(
            model_name="itemevent",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="uppgifter"),
        ),
        migrations.AlterField(
            model_name="itemevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="av",
            ),
        ),
        migrations.AlterField(
            model_name="itemevent",
            name="at",
            field=models.DateTimeField(db_index=True, verbose_name="tid"),
        ),
    ]
