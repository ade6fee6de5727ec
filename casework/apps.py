from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    label = "casework"
    verbose_name = "Casework"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: both need the models, which are not loaded before ready().
        # The audit module holds the signal receivers for login/logout; the policy gives every
        # model its read gates, so that the models need not import the policy.
        from casework import audit, deploy_checks  # noqa: F401
        from casework.permissions import install_read_gates

        install_read_gates()
