"""What a page lets a person change: pausing a consumer's pushes and taking its last day back. Each goes through
the very functions the CLI calls (activation/pause.py, activation/takeback.py), which record it with who (the
signed-in Airflow user) and why in ops.consumer_decisions; nothing here writes by itself.

A change needs more than a login: the auth manager must let the user edit DAGs, and a form posted from another site
is refused (the UI's cookie is SameSite=lax, and the Origin, when the browser sends one, must be this server).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import PlainTextResponse


class Refused(Exception):
    """A change this user, or this form, may not make (403; never a trip to the login page)."""


async def refused(request: Request, exc: Refused) -> PlainTextResponse:
    return PlainTextResponse(str(exc), status_code=403)


def actor(request: Request, user) -> str:
    """The user's name, once the auth manager lets them change the pipeline and the form comes from this site."""
    from airflow.api_fastapi.app import get_auth_manager

    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        raise Refused(f"a change posted from {origin} is refused")
    if not get_auth_manager().is_authorized_dag(method="PUT", user=user):
        raise Refused(f"{user.get_name()} may not change the pipeline")
    return user.get_name()


def pause(consumer: str, paused: bool, *, by: str, reason: str) -> str:
    from top_items.activation.pause import set_paused

    result = set_paused(consumer, paused, by=by, reason=reason)
    state = "paused" if paused else "resumed"
    return f"{consumer}: {state} by {by}" if result["changed"] else f"{consumer} was already {state}"


def take_back(consumer: str, *, by: str, reason: str) -> str:
    from top_items.activation.takeback import take_back as take

    result = take(consumer, by=by, reason=reason)[consumer]
    if "restored" in result:
        return (f"{consumer}: {result['taken_back']} taken back to {result['restored']} by {by}, "
                f"{result['outcome']}: {result.get('detail') or ''}")
    return f"{consumer}: {result['outcome']}: {result['detail']}"
