from django.apps import AppConfig


class DdoConfig(AppConfig):
    name = "portal.ddo"
    label = "ddo"
