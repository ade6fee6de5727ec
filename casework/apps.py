from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    label = "casework"
    verbose_name = "Casework"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signal receivers for login/logout auditing live with the audit module.
        from casework import audit  # noqa: F401
