from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    """A synthetic state population for load tests, benchmarks and demos (never in production)."""

    name = "portal.synthetic"
    label = "synthetic"
