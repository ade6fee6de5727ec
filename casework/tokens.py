"""Partner tokens as the services issue them and the API checks them: the scopes a token may name,
how a new one is made, and how its secret is kept (only a hash of it is stored)."""

import hashlib
import secrets

PERSONS_READ = "persons:read"
REPORTS_READ = "reports:read"
REPORTS_WRITE = "reports:write"
IMPORTS_READ = "imports:read"
IMPORTS_WRITE = "imports:write"
SUGGESTIONS_READ = "suggestions:read"
SUGGESTIONS_WRITE = "suggestions:write"
SCOPES = {
    PERSONS_READ: "read the shared persons (list, one by one, the change feed)",
    REPORTS_READ: "read the reports the partner sent",
    REPORTS_WRITE: "submit family reports",
    IMPORTS_READ: "follow the lists the partner sent and read their rows' outcomes",
    IMPORTS_WRITE: "send lists",
    SUGGESTIONS_READ: "read match suggestions on shared persons",
    SUGGESTIONS_WRITE: "give an opinion on a match suggestion",
}


def hash_token_secret(secret: str) -> str:
    # The secret is 256 random bits: a fast hash is enough, a slow one would only cost requests.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token_parts() -> tuple[str, str]:
    """A new token's public prefix and its secret."""
    return secrets.token_hex(6), secrets.token_urlsafe(32)
