"""One error hierarchy for the whole package.

Every error says what is wrong and where (file, line, field); interfaces render it once:
the CLI as a message and an exit code, the API as an RFC 9457 problem document.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthenticationError",
    "AutoAtlasError",
    "BundleError",
    "ConflictError",
    "Issue",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ValidationError",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in some input: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        return ":".join(parts[:2]) + (f" [{parts[2]}]" if len(parts) > 2 else "") if parts else ""

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class AutoAtlasError(Exception):
    """Base of every error the library raises on purpose."""

    status = 400
    code = "error"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(AutoAtlasError):
    """Input that breaks a rule of the vocabulary or of the data model."""

    status = 422
    code = "invalid"
    exit_code = 2

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or [Issue(message)]


class BundleError(ValidationError):
    """A bundle that cannot be imported: every issue found, none applied."""

    code = "invalid-bundle"

    def __init__(self, issues: list[Issue]) -> None:
        count = len(issues)
        head = f"{count} error{'s' if count != 1 else ''} in bundle; nothing was imported"
        super().__init__(head, issues)

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  {issue}" for issue in self.issues)])


class NotFoundError(AutoAtlasError):
    status = 404
    code = "not-found"
    exit_code = 3


class ConflictError(AutoAtlasError):
    """A write that would break an invariant of the store (one current value per statement)."""

    status = 409
    code = "conflict"
    exit_code = 4


class AuthenticationError(AutoAtlasError):
    """No valid credentials: a missing, unknown, expired or revoked token or session."""

    status = 401
    code = "unauthenticated"
    exit_code = 5


class PermissionDeniedError(AutoAtlasError):
    status = 403
    code = "forbidden"
    exit_code = 5


class PaymentRequiredError(AutoAtlasError):
    """Metering is on and the organization has no credits left for this look-up."""

    status = 402
    code = "no-credits"
    exit_code = 5


class RateLimitedError(AutoAtlasError):
    status = 429
    code = "rate-limited"
    exit_code = 6

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
