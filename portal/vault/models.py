from django.db import models


class AadhaarRecord(models.Model):
    """One Aadhaar number, sealed (AES-256-GCM). Found again only through its blind index
    (a keyed HMAC), never by decrypting. Other apps keep a reference and the last four
    digits; nothing outside the vault can format the full number."""

    sealed = models.BinaryField()
    key_id = models.CharField(max_length=16, db_index=True)
    blind_index = models.CharField(max_length=64, unique=True)
    last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField()

    def __str__(self) -> str:  # never the number
        return f"Aadhaar XXXX XXXX {self.last4}"

    @property
    def masked(self) -> str:
        return f"XXXX XXXX {self.last4}"
