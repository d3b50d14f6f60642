"""The one error type callers catch: the server refused a request, or could not be reached."""


class AtlasError(Exception):
    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message if status is None else f"{status}: {message}")
        self.message = message
        self.status = status
        self.code = code


# What local inference says when the Atlas server package (its model registry) is not installed here.
NO_LOCAL_REGISTRY = (
    "inference_mode='local' runs Atlas' own model registry in this process: install the Atlas server package "
    "here (pip install -e . in the Atlas checkout) or use inference_mode='remote'."
)
