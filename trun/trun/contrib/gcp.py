"""What the Google Cloud modules share (``trun.contrib.gcs``, ``bigquery``, ``dataproc``), as Luigi's
``luigi.contrib.gcp``: choosing how a Google API client authenticates.

Also the retrying of requests the modules share (``tenacity``: 5xx answers and connection errors).
Needs ``google-auth`` and ``httplib2`` (``pip install 'trun[gcp]'``); the module loads without them
(a warning says so), and asking it for credentials then raises an ImportError.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("trun-interface")


def _missing(*modules: str) -> list[str]:
    """Those of ``modules`` that cannot be imported here (a dotted name whose parent is absent too)."""
    absent = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            absent.append(name)
    return absent


if _missing("google.auth", "httplib2"):
    logger.warning(
        "Loading the GCP module without the python packages google-auth and httplib2: "
        "clients given no credentials of their own will fail (pip install 'trun[gcp]')"
    )


def get_authenticate_kwargs(oauth_credentials: Any = None, http_: Any = None) -> dict[str, Any]:
    """The keyword arguments that give a ``googleapiclient.discovery`` client its authentication.

    The caller's own ``oauth_credentials`` win, then its ``http_`` client; without either, the
    application default credentials (``gcloud auth application-default login``, a service account
    file in ``GOOGLE_APPLICATION_CREDENTIALS``, the metadata server) and, when there are none, an
    unauthenticated ``httplib2.Http()``.
    """
    if oauth_credentials:
        return {"credentials": oauth_credentials}
    if http_:
        return {"http": http_}
    try:
        import google.auth
        import google.auth.exceptions
        import httplib2
    except ImportError as exc:
        raise ImportError(
            "Google Cloud access needs google-auth and httplib2 (pip install 'trun[gcp]')"
        ) from exc
    try:
        credentials, _project = google.auth.default()
    except google.auth.exceptions.DefaultCredentialsError:
        return {"http": httplib2.Http()}
    return {"credentials": credentials}


def is_error_5xx(err: BaseException) -> bool:
    """Whether ``err`` is an HTTP error the server blamed on itself (worth trying again)."""
    try:
        from googleapiclient import errors
    except ImportError:
        return False
    return isinstance(err, errors.HttpError) and err.resp.status >= 500


def _log_retry(logger: logging.Logger) -> Callable[[Any], None] | None:
    """tenacity's ``after`` hook logging each failed attempt as a warning (None without tenacity)."""
    try:
        import tenacity
    except ImportError:
        return None
    return tenacity.after_log(logger, logging.WARNING)


def _retrying(
    attempts: int,
    retryable: tuple[type[BaseException], ...] | None,
    after: Callable[[Any], None] | None = None,
) -> Callable:
    """A tenacity decorator trying a call up to ``attempts`` times on 5xx answers and on the
    ``retryable`` errors, waiting 1, 2, 4... (at most 10) seconds between, raising the last error;
    ``after(retry_state)`` runs after each failed attempt that is retried.  Without tenacity the
    call is made once (a warning says so)."""
    try:
        import tenacity
    except ImportError:
        logger.warning(
            "tenacity is not installed: Google Cloud requests will not be retried (pip install 'trun[gcp]')"
        )
        return lambda func: func
    retry_on = tenacity.retry_if_exception(is_error_5xx)
    if retryable:
        retry_on = retry_on | tenacity.retry_if_exception_type(retryable)
    return tenacity.retry(
        retry=retry_on,
        wait=tenacity.wait_exponential(multiplier=1, min=1, max=10),
        stop=tenacity.stop_after_attempt(attempts),
        reraise=True,
        after=after,
    )
