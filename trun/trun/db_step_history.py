"""Step history in a database through SQLAlchemy (Luigi's ``luigi.db_task_history``).

With ``[scheduler] record_step_history = true`` and ``[step_history] db_connection`` set (an
SQLAlchemy URL, e.g. ``sqlite:///history.db``), the scheduler writes each step it schedules, starts
and finishes: one ``StepRecord`` per step (id, family, host, parameters) and a ``StepEvent`` per
status change (``PENDING``, ``RUNNING``, ``DONE``, ``FAILED``).  The ``find_*`` methods read it back.
The three tables below are the one definition of the schema.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterator
from typing import Any

import sqlalchemy
import sqlalchemy.orm
from sqlalchemy.orm.collections import attribute_keyed_dict

from trun import step_history
from trun.configuration import get_config
from trun.step_status import DONE, FAILED, PENDING, RUNNING

logger = logging.getLogger("trun-interface")

Base: Any = sqlalchemy.orm.declarative_base()


class StepParameter(Base):
    """One parameter of a recorded step."""

    __tablename__ = "step_parameters"
    step_id = sqlalchemy.Column(sqlalchemy.Integer, sqlalchemy.ForeignKey("steps.id"), primary_key=True)
    name = sqlalchemy.Column(sqlalchemy.String(128), primary_key=True)
    value = sqlalchemy.Column(sqlalchemy.Text())

    def __repr__(self) -> str:
        return f"StepParameter(step_id={self.step_id}, name={self.name}, value={self.value})"


class StepEvent(Base):
    """A status a recorded step reached, and when."""

    __tablename__ = "step_events"
    id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
    step_id = sqlalchemy.Column(sqlalchemy.Integer, sqlalchemy.ForeignKey("steps.id"), index=True)
    event_name = sqlalchemy.Column(sqlalchemy.String(20))
    ts = sqlalchemy.Column(sqlalchemy.TIMESTAMP, index=True, nullable=False)

    def __repr__(self) -> str:
        return f"StepEvent(step_id={self.step_id}, event_name={self.event_name}, ts={self.ts})"


class StepRecord(Base):
    """A recorded step: its scheduler id (``step_id``), family (``name``), host, parameters (a dict
    by name) and events (newest first)."""

    __tablename__ = "steps"
    id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
    step_id = sqlalchemy.Column(sqlalchemy.String(200), index=True)
    name = sqlalchemy.Column(sqlalchemy.String(128), index=True)
    host = sqlalchemy.Column(sqlalchemy.String(128))
    parameters = sqlalchemy.orm.relationship("StepParameter", collection_class=attribute_keyed_dict("name"),
                                             cascade="all, delete-orphan", lazy="selectin")
    events = sqlalchemy.orm.relationship("StepEvent", order_by=(sqlalchemy.desc(StepEvent.ts),
                                                                sqlalchemy.desc(StepEvent.id)),
                                         backref="step", lazy="selectin")

    def __repr__(self) -> str:
        return f"StepRecord(name={self.name}, host={self.host})"


class DbStepHistory(step_history.StepHistory):
    """Writes the scheduler's step history to ``[step_history] db_connection`` and reads it back."""

    CURRENT_SOURCE_VERSION = 1

    def __init__(self, connection: str | None = None) -> None:
        url = connection or get_config().get("step_history", "db_connection", "sqlite:///trun-step-hist.db")
        self.engine = sqlalchemy.create_engine(url)
        self.session_factory = sqlalchemy.orm.sessionmaker(bind=self.engine, expire_on_commit=False)
        Base.metadata.create_all(self.engine)
        self._record_ids: dict[str, int] = {}  # scheduler step id -> its StepRecord.id

    @contextlib.contextmanager
    def _session(self, session: Any = None) -> Iterator[Any]:
        if session is not None:
            yield session
            return
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def step_scheduled(self, step: Any) -> None:
        self._add_event(step_history.StoredStep(step, PENDING), PENDING)

    def step_finished(self, step: Any, successful: bool) -> None:
        status = DONE if successful else FAILED
        self._add_event(step_history.StoredStep(step, status), status)

    def step_started(self, step: Any, worker_host: str) -> None:
        self._add_event(step_history.StoredStep(step, RUNNING, host=worker_host), RUNNING)

    def _add_event(self, stored: step_history.StoredStep, event: str) -> None:
        with self._session() as session:
            record = self._find_or_create(session, stored)
            record.events.append(StepEvent(event_name=event, ts=datetime.datetime.now()))
            if stored.host:
                record.host = stored.host

    def _find_or_create(self, session: Any, stored: step_history.StoredStep) -> StepRecord:
        step_id = stored._step.id
        record_id = self._record_ids.get(step_id)
        if record_id is not None:
            return session.get(StepRecord, record_id)
        record = StepRecord(step_id=step_id, name=stored.step_family, host=stored.host)
        for name, value in (stored.parameters or {}).items():
            record.parameters[name] = StepParameter(name=name, value=str(value))
        session.add(record)
        session.flush()
        self._record_ids[step_id] = record.id
        return record

    def find_all_by_parameters(self, step_name: str, session: Any = None,
                               **step_params: Any) -> Iterator[StepRecord]:
        """The records of family ``step_name`` whose parameters include ``step_params``, oldest first."""
        with self._session(session) as session:
            query = session.query(StepRecord).join(StepEvent).filter(StepRecord.name == step_name)
            for name, value in step_params.items():
                alias = sqlalchemy.orm.aliased(StepParameter)
                query = query.join(alias).filter(alias.name == name, alias.value == value)
            seen: set[int] = set()
            for record in query.order_by(StepEvent.ts):
                if record.id not in seen:
                    seen.add(record.id)
                    yield record

    def find_all_by_name(self, step_name: str, session: Any = None) -> Iterator[StepRecord]:
        return self.find_all_by_parameters(step_name, session)

    def find_latest_runs(self, session: Any = None) -> list[StepRecord]:
        """Records with an event in the last 24 hours, most recent first."""
        with self._session(session) as session:
            yesterday = datetime.datetime.now() - datetime.timedelta(days=1)
            query = (session.query(StepRecord).join(StepEvent).filter(StepEvent.ts >= yesterday)
                     .order_by(StepEvent.ts.desc(), StepEvent.id.desc()))
            latest: dict[int, StepRecord] = {}
            for record in query:
                latest.setdefault(record.id, record)
            return list(latest.values())

    def find_all_runs(self, session: Any = None) -> list[StepRecord]:
        with self._session(session) as session:
            return session.query(StepRecord).all()

    def find_all_events(self, session: Any = None) -> list[StepEvent]:
        with self._session(session) as session:
            return session.query(StepEvent).all()

    def find_step_by_id(self, id: int, session: Any = None) -> StepRecord | None:
        with self._session(session) as session:
            return session.get(StepRecord, id)

    def find_step_by_step_id(self, step_id: str, session: Any = None) -> StepRecord:
        """The latest record of the scheduler step ``step_id`` (IndexError when there is none)."""
        with self._session(session) as session:
            return session.query(StepRecord).filter(StepRecord.step_id == step_id).all()[-1]
