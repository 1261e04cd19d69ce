"""Airflow mounts a plugin's app without authentication: every page route depends on :func:`login_required`.

The credential is Airflow's own JWT, the UI's ``_token`` cookie or an ``Authorization: Bearer`` header, checked by
Airflow's dependency (``airflow.api_fastapi.core_api.security.get_user``), which asks the configured auth manager.
A browser without one is sent to Airflow's login page and back; any other client gets the 401 itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException
from starlette.status import HTTP_303_SEE_OTHER

bearer = HTTPBearer(auto_error=False)


async def signed_in(request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]):
    """The signed-in Airflow user, or an HTTP 401/403, as Airflow's own ``get_user`` decides. Imported on the first
    request: every Airflow process loads the plugins, and the api-server's security module takes seconds to import."""
    from airflow.api_fastapi.core_api.security import get_user

    return await get_user(request=request, _oauth_token=None, bearer_credentials=credentials)


def login_required():
    """The dependency every route declares."""
    return Depends(signed_in)


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def login_url(request: Request) -> str:
    from airflow.api_fastapi.app import get_auth_manager

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return get_auth_manager().get_url_login(next_url=target)


async def refused(request: Request, exc: HTTPException):
    """401 and 403 from the login check: a browser goes to Airflow's login page, a script gets the status."""
    if exc.status_code in (401, 403) and wants_html(request):
        return RedirectResponse(login_url(request), status_code=HTTP_303_SEE_OTHER)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))
