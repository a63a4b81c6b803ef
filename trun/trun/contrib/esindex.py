"""Index documents into Elasticsearch, as Luigi's ``luigi.contrib.esindex``; needs the
``elasticsearch`` client 7.x (``pip install 'trun[esindex]'``), the last one with document types.

``CopyToIndex`` is a template step: a subclass names the ``index`` and gives ``docs()`` (dicts, or
JSON strings; by default the lines of its input), and running it creates the index when missing
(with ``settings``, then ``mapping``), bulk-indexes the documents ``chunk_size`` at a time with
refreshing switched off, refreshes, and marks the update done.  ``ElasticsearchTarget`` is that
mark: a document in the marker index (``[elasticsearch] marker-index``, default ``update_log``, of
type ``marker-doc-type``, default ``entry``) whose id is the SHA-1 of ``index:doc_type:update_id``.
With ``marker_index_hist_size`` n > 0 only the newest n marks of an index are kept, so an older
update runs again; ``purge_existing_index`` deletes the index before each indexing.

The module loads without the client (a warning says so); using it then fails.
"""

from __future__ import annotations

import abc
import datetime
import hashlib
import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import trun
from trun.configuration import get_config

logger = logging.getLogger("trun-interface")

try:
    import elasticsearch

    if elasticsearch.__version__ < (1, 0, 0):
        logger.warning("This module works with elasticsearch 1.0.0 or newer only.")
    from elasticsearch.connection import Urllib3HttpConnection
    from elasticsearch.helpers import bulk
except ImportError:  # as Luigi: the module loads, using it fails
    logger.warning("Loading esindex module without elasticsearch installed. Will crash at runtime if esindex "
                   "functionality is used.")


def _client(host: str, port: int, http_auth: Any, timeout: float, extra: dict[str, Any]) -> Any:
    """A client of the server at ``host``:``port`` over urllib3 (what both the step and its
    target connect with)."""
    return elasticsearch.Elasticsearch(connection_class=Urllib3HttpConnection, host=host, port=port,
                                       http_auth=http_auth, timeout=timeout, **extra)


_NO_DOCUMENT = object()


class ElasticsearchTarget(trun.Target):
    """That ``update_id`` was indexed into ``index``/``doc_type``: a marker document."""

    marker_index = get_config().get("elasticsearch", "marker-index", "update_log")
    marker_doc_type = get_config().get("elasticsearch", "marker-doc-type", "entry")

    def __init__(self, host: str, port: int, index: str, doc_type: str, update_id: str,
                 marker_index_hist_size: int = 0, http_auth: Any = None, timeout: float = 10,
                 extra_elasticsearch_args: dict[str, Any] | None = None) -> None:
        """``http_auth`` is ``"user:password"`` or a pair; ``extra_elasticsearch_args`` go to the
        ``Elasticsearch`` client."""
        self.host = host
        self.port = port
        self.http_auth = http_auth
        self.index = index
        self.doc_type = doc_type
        self.update_id = update_id
        self.marker_index_hist_size = marker_index_hist_size
        self.timeout = timeout
        self.extra_elasticsearch_args = extra_elasticsearch_args or {}
        self.es = _client(host, port, http_auth, timeout, self.extra_elasticsearch_args)

    def marker_index_document_id(self) -> str:
        """The marker document's id: the SHA-1 of ``index:doc_type:update_id``, in hex."""
        return hashlib.sha1(f"{self.index}:{self.doc_type}:{self.update_id}".encode()).hexdigest()

    def touch(self) -> None:
        """Mark the update done: index the marker (its id is enough; ``update_id``,
        ``target_index``, ``target_doc_type`` and ``date`` are stored for people to read)."""
        self.create_marker_index()
        self.es.index(index=self.marker_index, doc_type=self.marker_doc_type,
                      id=self.marker_index_document_id(),
                      body={"update_id": self.update_id, "target_index": self.index,
                            "target_doc_type": self.doc_type, "date": datetime.datetime.now()})
        self.es.indices.flush(index=self.marker_index)
        self.ensure_hist_size()

    def exists(self) -> bool:
        """Whether the marker document is there (a server error counts as not, with a warning)."""
        try:
            self.es.get(index=self.marker_index, doc_type=self.marker_doc_type,
                        id=self.marker_index_document_id())
            return True
        except elasticsearch.NotFoundError:
            logger.debug("Marker document not found.")
        except elasticsearch.ElasticsearchException as err:
            logger.warning(err)
        return False

    def create_marker_index(self) -> None:
        """Create the marker index unless it exists."""
        if not self.es.indices.exists(index=self.marker_index):
            self.es.indices.create(index=self.marker_index)

    def ensure_hist_size(self) -> None:
        """Keep only the newest ``marker_index_hist_size`` markers of this index (0 keeps all)."""
        if self.marker_index_hist_size == 0:
            return
        result = self.es.search(index=self.marker_index, doc_type=self.marker_doc_type,
                                body={"query": {"term": {"target_index": self.index}}}, sort=("date:desc",))
        for hit in result.get("hits").get("hits")[self.marker_index_hist_size:]:
            self.es.delete(id=hit.get("_id"), index=self.marker_index, doc_type=self.marker_doc_type)
        self.es.indices.flush(index=self.marker_index)


class CopyToIndex(trun.Step):
    """Index ``docs()`` into ``index``.  A subclass overrides ``index`` and, as needed, the
    properties below (``host``, ``port``, ``doc_type``, ``settings``, ``mapping``, ...)."""

    @property
    def host(self) -> str:
        return "localhost"

    @property
    def port(self) -> int:
        return 9200

    @property
    def http_auth(self) -> Any:
        """``"user:password"`` or ``("user", "password")``, or None for no authentication."""
        return None

    @property
    @abc.abstractmethod
    def index(self) -> str:
        """The index to fill (created when missing)."""
        return None  # type: ignore[return-value]

    @property
    def doc_type(self) -> str:
        return "default"

    @property
    def mapping(self) -> dict[str, Any] | None:
        """A mapping to put on the index before indexing, or None."""
        return None

    @property
    def settings(self) -> dict[str, Any]:
        """The body the index is created with (only when it is created)."""
        return {"settings": {}}

    @property
    def chunk_size(self) -> int:
        """Documents per bulk request."""
        return 2000

    @property
    def raise_on_error(self) -> bool:
        """Whether a document the server refuses fails the step."""
        return True

    @property
    def purge_existing_index(self) -> bool:
        """Whether to delete the whole index before indexing (for complete dumps)."""
        return False

    @property
    def marker_index_hist_size(self) -> int:
        """How many markers of this index to keep; 0 keeps all."""
        return 0

    @property
    def timeout(self) -> float:
        return 10

    @property
    def extra_elasticsearch_args(self) -> dict[str, Any]:
        """More keyword arguments for the ``Elasticsearch`` client."""
        return {}

    def docs(self) -> Iterable[Any]:
        """The documents: dicts or JSON strings, each with optional ``_index``, ``_type`` and
        ``_id``.  By default the lines of the input (newline-delimited JSON)."""
        with self.input().open("r") as lines:
            yield from lines

    def _docs(self) -> Iterator[dict[str, Any]]:
        """``docs()`` as dicts, each given this step's ``_index`` and ``_type`` unless it has them."""
        docs = iter(self.docs())
        first = next(docs, _NO_DOCUMENT)
        if first is _NO_DOCUMENT:  # as Luigi, where the generator's StopIteration becomes this error
            raise RuntimeError("generator raised StopIteration")
        if not isinstance(first, str | dict):
            raise RuntimeError("Document must be either JSON strings or dict.")
        parse = isinstance(first, str)
        for doc in itertools.chain([first], docs):
            if parse:
                doc = json.loads(doc)
            doc.setdefault("_index", self.index)
            doc.setdefault("_type", self.doc_type)
            yield doc

    def _init_connection(self) -> Any:
        return _client(self.host, self.port, self.http_auth, self.timeout, self.extra_elasticsearch_args)

    def create_index(self) -> None:
        """Create the index with ``settings`` unless it exists (override for more)."""
        es = self._init_connection()
        if not es.indices.exists(index=self.index):
            es.indices.create(index=self.index, body=self.settings)

    def delete_index(self) -> None:
        """Delete the index if it exists."""
        es = self._init_connection()
        if es.indices.exists(index=self.index):
            es.indices.delete(index=self.index)

    def update_id(self) -> str:
        """What identifies this indexing in the marker index (the step's id)."""
        return self.step_id

    def output(self) -> ElasticsearchTarget:
        return ElasticsearchTarget(host=self.host, port=self.port, http_auth=self.http_auth, index=self.index,
                                   doc_type=self.doc_type, update_id=self.update_id(),
                                   marker_index_hist_size=self.marker_index_hist_size, timeout=self.timeout,
                                   extra_elasticsearch_args=self.extra_elasticsearch_args)

    def run(self) -> None:
        """Purge (if asked), create, map, index in bulk with refreshing off, refresh, mark done."""
        if self.purge_existing_index:
            self.delete_index()
        self.create_index()
        es = self._init_connection()
        if self.mapping:
            es.indices.put_mapping(index=self.index, doc_type=self.doc_type, body=self.mapping)
        # the same calls as Luigi's, positional body included (tests that mock the client compare them)
        es.indices.put_settings({"index": {"refresh_interval": "-1"}}, index=self.index)
        bulk(es, self._docs(), chunk_size=self.chunk_size, raise_on_error=self.raise_on_error)
        es.indices.put_settings({"index": {"refresh_interval": "1s"}}, index=self.index)
        es.indices.refresh()
        self.output().touch()
