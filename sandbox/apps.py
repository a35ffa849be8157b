from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = "Marketing Cloud sandbox"

    def ready(self):
        from sandbox import checks  # noqa: F401  (registers the deploy check)
