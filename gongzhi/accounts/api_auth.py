"""Authentication for the JSON API: the browser session (with CSRF) or a bearer token."""

from ninja.security import HttpBearer, SessionAuth


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        from .actions import api_token_user

        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """django_auth, but refusing inactive users like token auth does."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


# Token first: ninja stops at the first auth that raises, and the session auth raises a CSRF
# failure on any POST without the CSRF cookie — which a Bearer client never has.
API_AUTH = [TokenAuth(), Session()]
