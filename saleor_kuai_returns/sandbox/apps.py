from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "saleor_kuai_returns.sandbox"
    label = "kuai_sandbox"
    verbose_name = "After-sale sandbox shop"
    default_auto_field = "django.db.models.BigAutoField"
