from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "portal.vault"
    label = "vault"
