"""Targets in MongoDB, as Luigi's ``luigi.contrib.mongodb``: a field of one document, a field
across several documents, a collection, or a document count.

Every target takes a ready client (``pymongo.MongoClient`` or anything with its interface, such
as ``mongomock.MongoClient`` in tests), the database name (``index``) and the collection; the
module itself imports no driver (``pip install 'trun[mongodb]'`` brings pymongo).

Luigi's code calls two pymongo 3 methods that pymongo 4 removed (``Database.collection_names``
and ``Collection.initialize_ordered_bulk_op``), so there its collection target and range writes
raise TypeError.  trun asks ``list_collection_names`` (pymongo 3.7+ has it too) and writes a range
with the ordered bulk builder where the collection has one (pymongo 3, mongomock) and with
``bulk_write`` otherwise: the same answers and the same ordered upserts on either version.
"""

from __future__ import annotations

from typing import Any

from trun.target import Target


class MongoTarget(Target):
    """The collection ``collection`` of database ``index`` reached through ``mongo_client``."""

    def __init__(self, mongo_client: Any, index: str, collection: str) -> None:
        self._mongo_client = mongo_client
        self._index = index
        self._collection = collection

    def __str__(self) -> str:
        return f"{self._index}/{self._collection}"

    def get_collection(self) -> Any:
        """The targeted collection, to query."""
        return self.get_index()[self._collection]

    def get_index(self) -> Any:
        """The targeted database, to query."""
        return self._mongo_client[self._index]


class MongoCellTarget(MongoTarget):
    """The field at dotted ``path`` of the document whose ``_id`` is ``document_id``; it exists
    when that field has a value other than null."""

    def __init__(self, mongo_client: Any, index: str, collection: str, document_id: Any, path: str) -> None:
        super().__init__(mongo_client, index, collection)
        self._document_id = document_id
        self._path = path

    def exists(self) -> bool:
        return self.read() is not None

    def read(self) -> Any:
        """The field's value, or None when the document or the field is missing."""
        # an aggregation projects a nested path ("a.b.c") the way the server reads it
        pipeline = [{"$match": {"_id": self._document_id}},
                    {"$project": {"_value": "$" + self._path, "_id": False}}]
        for doc in self.get_collection().aggregate(pipeline):
            return doc.get("_value")
        return None

    def write(self, value: Any) -> None:
        """Set the field, creating the document when it is missing."""
        self.get_collection().update_one({"_id": self._document_id}, {"$set": {self._path: value}},
                                         upsert=True)


class MongoRangeTarget(MongoTarget):
    """The top-level ``field`` of the documents whose ids are ``document_ids``; it exists when
    every one of them has the field."""

    def __init__(self, mongo_client: Any, index: str, collection: str, document_ids: list[Any],
                 field: str) -> None:
        super().__init__(mongo_client, index, collection)
        self._document_ids = document_ids
        self._field = field

    def exists(self) -> bool:
        return not self.get_empty_ids()

    def _having_field(self, projection: dict[str, bool]) -> Any:
        query = {"_id": {"$in": self._document_ids}, self._field: {"$exists": True}}
        return self.get_collection().find(query, projection)

    def read(self) -> dict[Any, Any]:
        """``{document_id: value}`` for the targeted documents that have the field."""
        return {doc["_id"]: doc[self._field] for doc in self._having_field({self._field: True})}

    def write(self, values: dict[Any, Any]) -> None:
        """Set the field from ``{document_id: value}``, in order, creating missing documents; ids
        this target does not cover are left alone."""
        chosen = [(_id, value) for _id, value in values.items() if _id in self._document_ids]
        if not chosen:
            return
        collection = self.get_collection()
        change = [({"_id": _id}, {"$set": {self._field: value}}) for _id, value in chosen]
        # pymongo 4 Collections answer any attribute with a sub-collection: ask the class
        if hasattr(type(collection), "initialize_ordered_bulk_op"):  # pymongo 3, mongomock: Luigi's call
            bulk = collection.initialize_ordered_bulk_op()
            for query, update in change:
                bulk.find(query).upsert().update_one(update)
            bulk.execute()
        else:
            from pymongo import UpdateOne  # pymongo 4's one way to the same ordered bulk request

            collection.bulk_write([UpdateOne(query, update, upsert=True) for query, update in change],
                                  ordered=True)

    def get_empty_ids(self) -> set[Any]:
        """The targeted ids whose documents lack the field (or are missing)."""
        return set(self._document_ids) - {doc["_id"] for doc in self._having_field({"_id": True})}


class MongoCollectionTarget(MongoTarget):
    """The collection itself: it exists when the database has it."""

    def exists(self) -> bool:
        return self.read()

    def read(self) -> bool:
        """Whether the database has the collection."""
        return self._collection in self.get_index().list_collection_names()


class MongoCountTarget(MongoTarget):
    """The collection holding exactly ``target_count`` documents."""

    def __init__(self, mongo_client: Any, index: str, collection: str, target_count: int) -> None:
        super().__init__(mongo_client, index, collection)
        self._target_count = target_count

    def exists(self) -> bool:
        return self.read() == self._target_count

    def read(self) -> int | None:
        """The number of documents, or None for an empty or missing collection."""
        # counted by an aggregation, which stays exact on a sharded cluster
        for res in self.get_collection().aggregate([{"$group": {"_id": None, "count": {"$sum": 1}}}]):
            return res.get("count")
        return None
