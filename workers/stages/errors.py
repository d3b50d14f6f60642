"""The failures a user can act on, raised by stages and shown as the build's error message."""


class BuildError(Exception):
    """A build cannot finish because of its input; the message says what, where and how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnreadableFile(BuildError):
    pass


class ColumnNotFound(BuildError):
    pass


class EmptyTextColumn(BuildError):
    pass
