"""Domain exceptions. Handlers map them to HTTP errors in one place (mixtape.api.resolver)."""

from dataclasses import dataclass, field


class MixtapeError(Exception):
    """Base class: `code` is the stable machine-readable error code of the JSON error body."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(MixtapeError):
    status_code = 404
    code = "not_found"


class UnauthorizedError(MixtapeError):
    """A protected route reached without the identity API Gateway's JWT authorizer passes on."""

    status_code = 401
    code = "unauthorized"


class ForbiddenError(MixtapeError):
    """The caller's token lacks the route's scope, or acts on a listener other than its own."""

    status_code = 403
    code = "forbidden"


@dataclass(frozen=True)
class FieldError:
    """One invalid input field: `field` is a dotted path with indexes, e.g. `events[3].timestamp`."""

    field: str
    message: str
    index: int | None = None
    type: str = "value_error"


@dataclass
class InvalidInputError(MixtapeError):
    """Input that passed the schema but breaks a rule that needs configuration (e.g. embedding size)."""

    errors: list[FieldError] = field(default_factory=list)
    status_code = 422
    code = "validation_error"

    def __post_init__(self) -> None:
        self.message = "; ".join(f"{e.field}: {e.message}" for e in self.errors) or "invalid input"
        super().__init__(self.message)


class StorageUnavailableError(MixtapeError):
    """A dependency stayed throttled or failing after retries; the caller may safely retry."""

    status_code = 503
    code = "unavailable"


class ConcurrentUpdateError(MixtapeError):
    """Optimistic concurrency gave up after its retries (a very hot profile)."""

    status_code = 503
    code = "conflict_retry"
