"""E-mail backends standing in for an SMTP server in tests (only what leaves the machine)."""

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowFileBackend(FileBackend):
    """Django's file backend behind a slow SMTP server, for the worker-kill test.

    Every message takes MAIL_DELAY_SECONDS before it is written. With MAIL_HANG_AFTER=n, once n
    messages are in the folder the next send hangs before writing (an SMTP server that stops
    answering mid-conversation) and leaves a `hanging-<pid>` file, so the test can kill the worker
    while it is in the middle of sending.
    """

    def send_messages(self, email_messages):
        folder = Path(self.file_path)
        hang_after = os.environ.get("MAIL_HANG_AFTER")
        if hang_after is not None:
            written = len(list(folder.glob("*.log")))
            if written >= int(hang_after):
                (folder / f"hanging-{os.getpid()}").touch()
                time.sleep(3600)
        time.sleep(float(os.environ.get("MAIL_DELAY_SECONDS", "0.05")))
        return super().send_messages(email_messages)
