from django.apps import AppConfig


class TestIdpConfig(AppConfig):
    name = "tests.oidc_provider"
    label = "test_idp"
    verbose_name = "Test identity provider"
