from importlib.util import find_spec

from django.apps import AppConfig


class KuaiReturnsConfig(AppConfig):
    name = "saleor_kuai_returns"
    label = "kuai_returns"
    verbose_name = "After-sale requests (Kuaishou-style)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Checks register on import; the beat entry is added for Celery.
        from . import checks  # noqa: F401
        from .app_settings import app_settings
        from .celery_schedule import register_beat_entry

        register_beat_entry()
        # Inside Saleor, its own /graphql/ serves the after-sale API too. Wired
        # here: the host layer never imports the API.
        if app_settings.GRAPHQL and find_spec("saleor") is not None:
            from .graphql.cost import COST_MAP
            from .graphql.schema import AfterSaleMutations, AfterSaleQueries
            from .host.saleor.api import mix_into_saleor

            mix_into_saleor(AfterSaleQueries, AfterSaleMutations, COST_MAP)
