"""One-time backup codes for staff with an authenticator (django-otp's static plugin).

Confirming a TOTP device issues ten codes, shown once; each lets its owner log in once
in place of the app's code (a lost phone). Issuing again replaces them all. They exist
only while their owner has a confirmed authenticator: deleting the last one deletes them,
or the login would keep asking for a code nobody can read from an app.
"""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

COUNT = 10
NAME = "Backup codes"


def issue(user) -> list[str]:
    """New codes for `user`, replacing any earlier ones: shown once, never stored readable
    anywhere but the token table (which the admin does not show)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def remaining(user) -> int:
    """How many of `user`'s backup codes are still unused."""
    return StaticToken.objects.filter(device__user=user).count()


def normalise(code: str) -> str:
    """A typed code as stored: no spaces, lower case (an app's digits are unchanged)."""
    return "".join(code.split()).lower()


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="backup-codes-follow-authenticator")
def forget_with_last_authenticator(sender, instance: TOTPDevice, **kwargs) -> None:
    if not TOTPDevice.objects.filter(user_id=instance.user_id, confirmed=True).exists():
        StaticDevice.objects.filter(user_id=instance.user_id).delete()
