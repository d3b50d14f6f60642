"""The one error type callers catch: the server refused a request, or could not be reached."""


class AtlasError(Exception):
    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message if status is None else f"{status}: {message}")
        self.message = message
        self.status = status
        self.code = code
