"""Errors a user can act on, rendered the same way by the API and the pages."""


class UserError(Exception):
    """Bad input or a request that cannot be served; the message says what and how to fix it."""

    status = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidUpload(UserError):
    code = "invalid_upload"


class UploadTooLarge(UserError):
    status = 413
    code = "upload_too_large"


class NotFound(UserError):
    status = 404
    code = "not_found"


class NotCancellable(UserError):
    status = 409
    code = "not_cancellable"


class NotReady(UserError):
    status = 409
    code = "not_ready"


class MethodNotAllowed(UserError):
    status = 405
    code = "method_not_allowed"


class RequestTooLarge(UserError):
    status = 413
    code = "request_too_large"


class InvalidEmbeddingRequest(UserError):
    """A bad embedding request; param names the field, as OpenAI-compatible clients expect."""

    code = "invalid_embedding_request"

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class ModelNotFound(InvalidEmbeddingRequest):
    status = 404
    code = "model_not_found"


class InvalidLayout(UserError):
    code = "invalid_layout"


class NotRelayoutable(UserError):
    status = 409
    code = "not_relayoutable"


class TagExists(UserError):
    status = 409
    code = "tag_exists"


class NotAuthenticated(UserError):
    status = 401
    code = "not_authenticated"


class Forbidden(UserError):
    status = 403
    code = "forbidden"


class RateLimited(UserError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
