"""What the Google Cloud modules share (``trun.contrib.gcs``, ``bigquery``, ``dataproc``), as Luigi's
``luigi.contrib.gcp``: choosing how a Google API client authenticates.

Needs ``google-auth`` and ``httplib2`` (``pip install 'trun[gcp]'``); the module loads without them
(a warning says so), and asking it for credentials then raises an ImportError.
"""

from __future__ import annotations

import importlib.util
import logging
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
    logger.warning("Loading the GCP module without the python packages google-auth and httplib2: "
                   "clients given no credentials of their own will fail (pip install 'trun[gcp]')")


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
        raise ImportError("Google Cloud access needs google-auth and httplib2 "
                          "(pip install 'trun[gcp]')") from exc
    try:
        credentials, _project = google.auth.default()
    except google.auth.exceptions.DefaultCredentialsError:
        return {"http": httplib2.Http()}
    return {"credentials": credentials}
