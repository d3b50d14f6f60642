"""Mail kept on this machine: each connection's messages go to a file of its own in EMAIL_FILE_PATH (the data
folder's mail/), readable by this user only, as the password-reset and invitation links in them are secrets."""

import os
from typing import Any

from django.core.mail.backends.filebased import EmailBackend


class PrivateFileBackend(EmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        os.chmod(self.file_path, 0o700)

    def open(self) -> bool:
        if self.stream is None:
            handle = os.open(self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.stream = os.fdopen(handle, "ab")
            return True
        return False
