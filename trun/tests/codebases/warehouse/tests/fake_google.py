"""In-memory stand-ins for the Google API services our jobs call (what ``discovery.build`` gives),
so the tests never need credentials or the network."""

import httplib2
from googleapiclient import errors


def http_error(status):
    return errors.HttpError(httplib2.Response({"status": str(status)}), b"{}")


class Request:
    def __init__(self, run, data=None):
        self.run = run
        self.data = data

    def execute(self, num_retries=0):
        return self.run()

    def next_chunk(self):
        return None, self.run()


class FakeStorage:
    """The storage v1 API over a dict {(bucket, name): bytes}."""

    def __init__(self, buckets=("acme-landing",)):
        self.buckets_known = set(buckets)
        self.blobs = {}
        self.calls = []

    def objects(self):
        return self

    def buckets(self):
        return _Buckets(self)

    def get(self, bucket, object):
        self.calls.append(("get", bucket, object))

        def run():
            if (bucket, object) not in self.blobs:
                raise http_error(404)
            return {"name": object, "size": str(len(self.blobs[bucket, object]))}

        return Request(run)

    def get_media(self, bucket, object):
        return Request(lambda: None, data=self.blobs[bucket, object])

    def insert(self, bucket, name, media_body):
        self.calls.append(("insert", bucket, name))

        def run():
            self.blobs[bucket, name] = media_body.getbytes(0, media_body.size())
            return {"name": name}

        return Request(run)

    def list(self, bucket, prefix, maxResults=None):
        names = sorted(n for b, n in self.blobs if b == bucket and n.startswith(prefix))
        return Request(lambda: {"items": [{"name": n} for n in names]})

    def list_next(self, request, response):
        return None

    def delete(self, bucket, object):
        self.calls.append(("delete", bucket, object))
        return Request(lambda: self.blobs.pop((bucket, object)))

    def copy(self, sourceBucket, sourceObject, destinationBucket, destinationObject, body):
        def run():
            self.blobs[destinationBucket, destinationObject] = self.blobs[sourceBucket, sourceObject]
            return {}

        return Request(run)


class _Buckets:
    def __init__(self, storage):
        self.storage = storage

    def get(self, bucket):
        def run():
            if bucket not in self.storage.buckets_known:
                raise http_error(404)
            return {"name": bucket}

        return Request(run)


class FakeDownload:
    """googleapiclient.http.MediaIoBaseDownload for our fake requests."""

    def __init__(self, fd, request, chunksize=None):
        self.fd = fd
        self.request = request

    def next_chunk(self):
        self.fd.write(self.request.data)
        return None, True


class FakeBigQuery:
    """The bigquery v2 API: datasets and tables by id, jobs that finish at once (or fail if told)."""

    def __init__(self):
        self.datasets_known = {}
        self.tables_known = set()
        self.jobs_run = []
        self.job_error = None
        self.views = {}
        self.patches = []
        self.writes = []

    def datasets(self):
        return _Datasets(self)

    def tables(self):
        return _Tables(self)

    def jobs(self):
        return _Jobs(self)


class _Datasets:
    def __init__(self, bq):
        self.bq = bq

    def get(self, projectId, datasetId):
        def run():
            if (projectId, datasetId) not in self.bq.datasets_known:
                raise http_error(404)
            return self.bq.datasets_known[projectId, datasetId]

        return Request(run)

    def insert(self, projectId, body):
        reference = body["datasetReference"]
        key = (reference["projectId"], reference["datasetId"])
        return Request(lambda: self.bq.datasets_known.setdefault(key, body))


class _Tables:
    def __init__(self, bq):
        self.bq = bq

    def get(self, projectId, datasetId, tableId):
        def run():
            key = (projectId, datasetId, tableId)
            if key not in self.bq.tables_known:
                raise http_error(404)
            view = {"view": {"query": self.bq.views[key]}} if key in self.bq.views else {}
            return {"id": tableId, **view}

        return Request(run)

    def insert(self, projectId, datasetId, body):
        return self._write("insert", (projectId, datasetId, body["tableReference"]["tableId"]), body)

    def update(self, projectId, datasetId, tableId, body):
        return self._write("update", (projectId, datasetId, tableId), body)

    def _write(self, how, key, body):
        def run():
            self.bq.writes.append(how)
            self.bq.tables_known.add(key)
            if "view" in body:
                self.bq.views[key] = body["view"]["query"]
            return body

        return Request(run)

    def patch(self, projectId, datasetId, tableId, body):
        return Request(lambda: self.bq.patches.append(((projectId, datasetId, tableId), body)))

    def list(self, projectId, datasetId, maxResults=None):
        ids = sorted(t for p, d, t in self.bq.tables_known if (p, d) == (projectId, datasetId))
        return Request(lambda: {"tables": [{"tableReference": {"tableId": t}} for t in ids]})

    def list_next(self, request, response):
        return None

    def delete(self, projectId, datasetId, tableId):
        return Request(lambda: self.bq.tables_known.discard((projectId, datasetId, tableId)))


class _Jobs:
    def __init__(self, bq):
        self.bq = bq

    def insert(self, projectId, body):
        def run():
            self.bq.jobs_run.append(body)
            job = body["configuration"]
            table = (job.get("load") or job.get("query") or job.get("copy") or {}).get("destinationTable")
            if table and not self.bq.job_error:
                self.bq.tables_known.add((table["projectId"], table["datasetId"], table["tableId"]))
            return {"jobReference": {"jobId": f"job_{len(self.bq.jobs_run)}"}}

        return Request(run)

    def get(self, projectId, jobId):
        status = {"state": "DONE"}
        if self.bq.job_error:
            status["errorResult"] = self.bq.job_error
        return Request(lambda: {"status": status})
