"""Access control: the caller's identity from API Gateway's JWT claims (`claims`) and the one decision
of what it may do (`policy`). Imports only models and errors: it sits between `api` and the logic."""

from mixtape.auth.claims import SERVICE_SCOPE, Principal, principal_from_event
from mixtape.auth.policy import SERVICE_ONLY, Scope, authorize

__all__ = ["SERVICE_ONLY", "SERVICE_SCOPE", "Principal", "Scope", "authorize", "principal_from_event"]
