"""E-mail in development: EMAIL_URL=consolemail:// (the default) prints each message
readably on the console of `make run`: sender, recipients, subject and the plain text
as it reads, not the encoded MIME source that Django's console backend prints."""

import sys
import threading

from django.core.mail.backends.base import BaseEmailBackend


class ReadableConsoleBackend(BaseEmailBackend):
    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages):
        sent = 0
        with self._lock:
            for message in email_messages:
                self.stream.write(format_message(message))
                self.stream.flush()
                sent += 1
        return sent


def format_message(message):
    rule = "-" * 72
    lines = [
        rule,
        f"Från:   {message.from_email}",
        f"Till:   {', '.join(message.to)}",
        f"Ämne:   {message.subject}",
        "",
        message.body.rstrip(),
    ]
    if any(mimetype == "text/html" for _content, mimetype in getattr(message, "alternatives", [])):
        lines += ["", "(Samma text finns också som HTML.)"]
    return "\n".join(lines + [rule, ""])
