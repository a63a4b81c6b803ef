"""Scenario: what closing a luigi.format writer or reader does to the file under it, for every format
and chains of them: close(), a with-statement, an exception inside the with-statement; the same
through a LocalTarget and a MockTarget (is the file there afterwards, what is read back)."""

import json
import os

import luigi
import luigi.format as fmt
from luigi.mock import MockTarget

FORMATS = {
    "Nop": fmt.Nop, "Text": fmt.Text, "UTF8": fmt.UTF8, "Gzip": fmt.Gzip, "Bzip2": fmt.Bzip2,
    "SysNewLine": fmt.SysNewLine, "MixedUnicodeBytes": fmt.MixedUnicodeBytes,
    "UTF8>>Gzip": fmt.UTF8 >> fmt.Gzip, "Text>>Bzip2": fmt.Text >> fmt.Bzip2,
    "Nop>>Gzip": fmt.Nop >> fmt.Gzip, "Gzip1": fmt.GzipFormat(compression_level=1),
}

TEXT = {"Text", "UTF8", "MixedUnicodeBytes", "UTF8>>Gzip", "Text>>Bzip2"}  # written as str


def payload(name):
    text = "line one\nline two\r\n"
    return text if name in TEXT else text.encode()


def shown(value):
    return value.decode("latin-1") if isinstance(value, bytes) else value


def directly(name, how):
    """The format's writer over a plain file, then its reader."""
    form = FORMATS[name]
    path = f"direct-{name}-{how}"
    raw = open(path, "wb")
    out = {}
    try:
        if how == "close":
            writer = form.pipe_writer(raw)
            writer.write(payload(name))
            writer.close()
        elif how == "with":
            with form.pipe_writer(raw) as writer:
                writer.write(payload(name))
        else:
            with form.pipe_writer(raw) as writer:
                writer.write(payload(name))
                raise KeyError("inside")
    except KeyError:
        out["raised"] = True
    out["file_closed"] = raw.closed
    if not raw.closed:
        raw.close()
    raw = open(path, "rb")
    with form.pipe_reader(raw) as reader:
        try:
            out["read"] = shown(reader.read())
        except Exception as e:
            out["read_error"] = type(e).__name__
    out["reader_file_closed"] = raw.closed
    raw.close()
    return out


def through(target_cls, name, fail):
    target = target_cls(f"tgt-{name}-{fail}", format=FORMATS[name])
    out = {}
    try:
        with target.open("w") as writer:
            writer.write(payload(name))
            if fail:
                raise KeyError("inside")
    except KeyError:
        out["raised"] = True
    except Exception as e:  # Luigi's pipe formats need a file with a descriptor (not a MockTarget's)
        return {"error": type(e).__name__}
    out["exists"] = target.exists()
    if out["exists"]:
        with target.open("r") as reader:
            out["read"] = shown(reader.read())
    return out


result = {}
for name in FORMATS:
    result[name] = {how: directly(name, how) for how in ("close", "with", "raises")}
    for cls in (luigi.LocalTarget, MockTarget):
        for fail in (False, True):
            result[name][f"{cls.__name__}-{'raises' if fail else 'ok'}"] = through(cls, name, fail)
print(json.dumps({"formats": result, "left": sorted(p for p in os.listdir(".") if p.startswith("tgt-"))}))
