"""Completeness of a whole range of steps from a few file-system listings (the fallback of
``RangeDaily``, ``RangeHourly`` and ``RangeByMinutes`` when the family has no ``bulk_complete``).

The idea, as in ``luigi.tools.range``: a step family whose outputs are ``FileSystemTarget`` paths
built from the date (``.../%Y-%m-%d/...``) has, for every logical output, one glob that covers the
outputs of every date; listing that glob (narrowed to the digits the wanted paths really use) says
which dates are done, instead of one ``exists()`` per date.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from trun.step import Step, flatten_output
from trun.target import FileSystem, FileSystemTarget

logger = logging.getLogger("trun-interface")

DIGIT = "[0-9]"

# Dates and hours unlikely to collide with other numbers in a path: where their digits land in the
# sample paths is where the ranged parameter is written.
_PROBE_DATETIMES = [datetime.datetime(year, month, day, hour)
                    for year in range(2000, 2050, 10) for month in (1, 2, 3)
                    for day in (5, 6, 7) for hour in (21, 22, 23)]


def most_common(items: Iterable[Any]) -> tuple[Any, int]:
    """The most frequent item and how often it occurs."""
    [(item, count)] = Counter(items).most_common(1)
    return item, count


def _digit_class(chars: Iterable[str]) -> str:
    """A glob class for a set of digits, written as a span where it is one (``[3-6]``)."""
    ordered = sorted(set(chars))
    if len(ordered) > 1 and ord(ordered[-1]) - ord(ordered[0]) == len(ordered) - 1:
        return f"[{ordered[0]}-{ordered[-1]}]"
    return "[" + "".join(ordered) + "]"


def _constrain_glob(glob: str, paths: list[str], limit: int = 5) -> list[str]:
    """Globs that together cover ``paths`` but little else: the leftmost ``[0-9]`` wildcards are
    replaced by the digits the paths have there, splitting the glob, while the number of globs
    stays within ``limit``; the next wildcard then becomes the class of digits each glob needs."""
    pending = {glob: list(paths)}
    while True:
        position = next(iter(pending)).find(DIGIT)
        if position < 0:
            return list(pending)
        digits = {g: sorted({p[position] for p in ps}) for g, ps in pending.items()}
        if sum(len(d) for d in digits.values()) > limit:
            return [g.replace(DIGIT, _digit_class(digits[g]), 1) for g in pending]
        narrowed: dict[str, list[str]] = {}
        for g, ps in pending.items():
            for digit in digits[g]:
                narrowed[g.replace(DIGIT, digit, 1)] = [p for p in ps if p[position] == digit]
        pending = narrowed


def _get_per_location_glob(steps: list[Step], outputs: list[FileSystemTarget],
                           regexes: list[re.Pattern]) -> str:
    """The glob of the directory holding one logical output for every time: the characters the
    time's fields occupy (where ``regexes`` find them in most sample paths) become ``[0-9]``,
    and the last path item is dropped (a listing is by directory)."""
    paths = [o.path for o in outputs]
    matches = [regex.search(path) for regex, path in zip(regexes, paths, strict=True)]
    for match, path, step in zip(matches, paths, steps, strict=True):
        if match is None:
            raise NotImplementedError(
                f"Couldn't deduce datehour representation in output path {path!r} of step {step}")
    groups = len(matches[0].groups())
    spans = [most_common((m.start(g), m.end(g)) for m in matches)[0] for g in range(1, groups + 1)]
    glob = list(paths[0])
    for start, end in spans:
        glob[start:end] = [DIGIT] * (end - start)
    return "".join(glob).rsplit("/", 1)[0]


def _get_filesystems_and_globs(datetime_to_step: Callable[[datetime.datetime], Step],
                               datetime_to_re: Callable[[datetime.datetime], str]
                               ) -> Iterator[tuple[FileSystem, str]]:
    """One ``(file system, glob)`` per logical output of the family (a wrapper step's outputs are
    those of its requirements)."""
    regexes = [re.compile(datetime_to_re(d)) for d in _PROBE_DATETIMES]
    steps = [datetime_to_step(d) for d in _PROBE_DATETIMES]
    outputs = [flatten_output(s) for s in steps]
    for step_outputs, step in zip(outputs, steps, strict=True):
        if len(step_outputs) != len(outputs[0]):
            raise NotImplementedError(
                f"Outputs must be consistent over time, sorry; was {step_outputs!r} for {step!r} "
                f"and {outputs[0]!r} for {steps[0]!r}")
        for target in step_outputs:
            if not isinstance(target, FileSystemTarget):
                raise NotImplementedError(
                    f"Output targets must be instances of FileSystemTarget; was {target!r} for {step!r}")
    for location in zip(*outputs, strict=True):
        yield location[0].fs, _get_per_location_glob(steps, list(location), regexes)


def _list_existing(filesystem: FileSystem, glob: str, paths: list[str]) -> set[str]:
    """The paths listed under the (narrowed) globs of ``glob`` that exist."""
    started = time.time()
    listing: list[str] = []
    globs = sorted(_constrain_glob(glob, paths))
    for g in globs:
        logger.debug("Listing %s", g)
        if filesystem.exists(g):
            listing.extend(filesystem.listdir(g))
    logger.debug("%d %s listings took %f s to return %d items", len(globs),
                 type(filesystem).__name__, time.time() - started, len(listing))
    return set(listing)


def infer_bulk_complete_from_fs(datetimes: list[datetime.datetime],
                                datetime_to_step: Callable[[datetime.datetime], Step],
                                datetime_to_re: Callable[[datetime.datetime], str]
                                ) -> list[datetime.datetime]:
    """The datetimes whose steps miss an output, found by listing each output location once.

    ``datetime_to_re`` gives a regular expression whose groups match the time's fields in a path
    (e.g. ``d.strftime("(%Y).*(%m).*(%d)")``).  Works for outputs that are ``FileSystemTarget``
    paths written with the time, and steps without their own ``complete()``."""
    locations = list(_get_filesystems_and_globs(datetime_to_step, datetime_to_re))
    paths = [[o.path for o in flatten_output(datetime_to_step(d))] for d in datetimes]
    listed: set[str] = set()
    for (filesystem, glob), location_paths in zip(locations, zip(*paths, strict=False), strict=False):
        listed |= _list_existing(filesystem, glob, list(location_paths))
    return [d for d, step_paths in zip(datetimes, paths, strict=True) if not set(step_paths) <= listed]
