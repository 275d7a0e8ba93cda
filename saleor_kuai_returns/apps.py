from django.apps import AppConfig


class KuaiReturnsConfig(AppConfig):
    name = "saleor_kuai_returns"
    label = "kuai_returns"
    verbose_name = "After-sale requests (Kuaishou-style)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Checks register on import; the beat entry is added for Celery.
        from . import checks  # noqa: F401
        from .celery_schedule import register_beat_entry

        register_beat_entry()
