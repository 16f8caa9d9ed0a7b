"""OAuth 2.0 access tokens for SMTP AUTH XOAUTH2 (Exchange Online, Gmail), and the XOAUTH2 exchange itself.

A token comes from exactly one source (``[email]``):

- ``token_env``: an environment variable (something else keeps it fresh);
- ``token_command``: a command that prints one, as git credential helpers do (``["oauth2l", "fetch", ...]``);
  it is run again when the server refuses the token (expired);
- ``oauth_tenant`` + ``oauth_client_id`` + ``oauth_client_secret_env``: Microsoft 365's client-credentials
  flow through Microsoft's own library, msal (``pip install 'syncreport[m365]'``); a refused token is
  fetched again once.

Every token is registered for redaction the moment it is read; none is ever logged.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from syncreport.config import EmailSettings
from syncreport.errors import ConfigError, DeliveryError
from syncreport.logs import read_secret_env, redact, register_secret

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
COMMAND_TIMEOUT_SECONDS = 60


@dataclass(frozen=True, slots=True)
class TokenSource:
    """Where the access token comes from; ``fetch(fresh)`` returns one (``fresh``: the last was refused)."""

    name: str  # for messages: "email.token_env SMTP_TOKEN", "email.token_command", "Microsoft 365 (msal)"
    fetch: Callable[[bool], str]
    refreshable: bool


def token_source(settings: EmailSettings) -> TokenSource:
    """The configured source, checked (one and only one; its variables set), or a one-line ConfigError."""
    if not settings.username:
        raise ConfigError('email.auth = "xoauth2" needs email.username (the mailbox that sends)')
    chosen = [
        name
        for name, value in (
            ("token_env", settings.token_env),
            ("token_command", settings.token_command),
            ("oauth_tenant", settings.oauth_tenant),
        )
        if value
    ]
    if len(chosen) != 1:
        raise ConfigError(
            'email.auth = "xoauth2" needs exactly one of email.token_env, email.token_command or '
            f"email.oauth_tenant (Microsoft 365); {'found ' + ' and '.join(chosen) if chosen else 'none is set'}"
        )
    if settings.token_env:
        env = settings.token_env

        def from_env(_fresh: bool) -> str:  # a variable cannot be refreshed: fresh or not, the same
            token = read_secret_env(env)
            if token is None:
                raise ConfigError(
                    f"the environment variable {env} (email.token_env) is not set; export it with an OAuth 2.0 "
                    "access token for SMTP"
                )
            return token.strip()

        from_env(False)  # not set: fail now, before the slow pull
        return TokenSource(f"email.token_env {env}", from_env, refreshable=False)
    if settings.token_command:
        command = list(settings.token_command)
        return TokenSource("email.token_command", lambda _fresh: _run_command(command), refreshable=True)
    return _microsoft(settings)


def _run_command(command: list[str]) -> str:
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise ConfigError(f"email.token_command: {command[0]} is not found; fix the command's path") from None
    except subprocess.TimeoutExpired:
        raise DeliveryError(
            f"email.token_command ({command[0]}) printed no token within {COMMAND_TIMEOUT_SECONDS}s"
        ) from None
    except OSError as exc:
        raise ConfigError(f"email.token_command: cannot run {command[0]}: {exc.strerror}") from None
    token = done.stdout.strip().splitlines()[0].strip() if done.stdout.strip() else ""
    register_secret(token)
    if done.returncode != 0 or not token:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output"
        raise DeliveryError(
            f"email.token_command ({command[0]}) exited {done.returncode} without a token: {redact(why)[:200]}"
        )
    return token


def _microsoft(settings: EmailSettings) -> TokenSource:
    if not settings.oauth_client_id or not settings.oauth_client_secret_env:
        raise ConfigError(
            "email.oauth_tenant needs email.oauth_client_id and email.oauth_client_secret_env (the app "
            "registration that may send as the mailbox)"
        )
    try:
        import msal
    except ImportError:
        raise ConfigError(
            "email.oauth_tenant needs Microsoft's msal library: pip install 'syncreport[m365]'"
        ) from None
    secret_env = settings.oauth_client_secret_env
    secret = read_secret_env(secret_env)
    if secret is None:
        raise ConfigError(
            f"the environment variable {secret_env} (email.oauth_client_secret_env) is not set; export it "
            "with the app registration's client secret"
        )
    authority = f"{MICROSOFT_AUTHORITY}/{settings.oauth_tenant}"
    client_id, scope = settings.oauth_client_id, settings.oauth_scope
    apps: list[Any] = []

    def fetch(fresh: bool) -> str:
        if fresh or not apps:  # a new application has an empty token cache: a refused token is not reused
            apps[:] = [
                msal.ConfidentialClientApplication(client_id, authority=authority, client_credential=secret)
            ]
        try:
            result = apps[0].acquire_token_for_client(scopes=[scope])
        except (ValueError, OSError) as exc:  # msal raises ValueError for an unknown tenant / authority
            raise DeliveryError(
                f"cannot get a Microsoft 365 token for tenant {settings.oauth_tenant}: "
                f"{redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)[:200]}"
            ) from None
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            error = result.get("error", "no token") if isinstance(result, dict) else "no token"
            description = (
                (result.get("error_description") or "").splitlines()[0] if isinstance(result, dict) else ""
            )
            raise DeliveryError(
                f"Microsoft 365 refused a token for client {client_id} in tenant {settings.oauth_tenant}: "
                f"{error}{': ' + redact(description)[:200] if description else ''}; check email.oauth_client_id "
                f"and the secret in {secret_env}"
            )
        register_secret(token)
        return str(token)

    return TokenSource("Microsoft 365 (msal)", fetch, refreshable=True)


def xoauth2_authobject(user: str, token: str) -> Callable[..., str]:
    """smtplib's ``auth`` callback: the initial response, then an empty line to a 334 error challenge.

    The SASL string is ``user=<user>^Aauth=Bearer <token>^A^A`` (Google's and Microsoft's XOAUTH2).
    """
    initial = f"user={user}\x01auth=Bearer {token}\x01\x01"

    def authobject(challenge: bytes | None = None) -> str:
        return initial if challenge is None else ""

    return authobject
