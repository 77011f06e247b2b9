from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id whose cost comes from settings: Django's defaults in production, a
    cheap setting in the test suite (same algorithm, same code path)."""

    @property
    def time_cost(self):
        return settings.ARGON2_TIME_COST

    @property
    def memory_cost(self):
        return settings.ARGON2_MEMORY_COST

    @property
    def parallelism(self):
        return settings.ARGON2_PARALLELISM
