"""`ikaze totp USERNAME`: print the current code of a demo account's authenticator.

Only for devices the demo created (named "demo"); real people's devices are never readable here.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        device = TOTPDevice.objects.filter(
            user__username=opts["username"], name="demo", confirmed=True
        ).first()
        if device is None:
            raise CommandError(f"{opts['username']!r} has no demo authenticator.")
        self.stdout.write(
            f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"
        )
