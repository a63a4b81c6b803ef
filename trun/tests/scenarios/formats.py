"""Scenario: luigi.format formats on LocalTarget: bytes on disk and values read back."""

import bz2
import gzip
import json

import luigi
import luigi.format as fmt


def attempt(fn):
    try:
        value = fn()
    except Exception as e:
        return ["error", type(e).__name__]
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    return ["value", value]


def on_disk(path):
    with open(path, "rb") as f:
        return f.read()


def write_read(name, format, data, read_mode="r", write_mode="w"):
    target = luigi.LocalTarget(f"out/{name}", format=format)

    def write():
        with target.open(write_mode) as f:
            for chunk in data:
                f.write(chunk)
        return on_disk(target.path)

    def read():
        with target.open(read_mode) as f:
            return f.read()

    return {"disk": attempt(write), "read": attempt(read)}


def lines(name, format):
    with luigi.LocalTarget(f"out/{name}", format=format).open("r") as f:
        return [line for line in f]


text = ["a\n", "b\r\n", "c\rd", "é"]
res = {
    "default": write_read("default", None, text),
    "text": write_read("text", fmt.Text, text),
    "utf8": write_read("utf8", fmt.UTF8, text),
    "latin1": write_read("latin1", fmt.TextFormat(encoding="latin1"), ["é\n"]),
    "nop": write_read("nop", fmt.Nop, [b"\x00\x01\n", b"x\r\n"]),
    "nop_text": write_read("nop_text", fmt.Nop, ["text"]),
    "sysnewline": write_read("sysnewline", fmt.SysNewLine, [b"a\r\nb\n", b"c\r"]),
    "sysnewline_read": write_read("sysnewline_r", fmt.SysNewLine, [b"x\r\ny\n"], read_mode="r"),
    "mixed": write_read("mixed", fmt.MixedUnicodeBytes, ["a\n", b"b\n"]),
    "text_bytes": write_read("text_bytes", fmt.Text, [b"raw"]),
    "default_wb": write_read("default_wb", None, [b"\x00bin"], read_mode="rb", write_mode="wb"),
    "nop_wb": write_read("nop_wb", fmt.Nop, [b"bin"], read_mode="rb", write_mode="wb"),
}
gz = write_read("gzip", fmt.Gzip, [b"zipped\n"])
res["gzip"] = {"read": gz["read"], "disk": gzip.decompress(on_disk("out/gzip")).hex()}
bz = write_read("bzip2", fmt.Bzip2, [b"bzipped\n"])
res["bzip2"] = {"read": bz["read"], "disk": bz2.decompress(on_disk("out/bzip2")).hex()}
chain = write_read("gzip_text", fmt.UTF8 >> fmt.Gzip, ["héllo\n", "world\r\n"])
res["gzip_text"] = {"read": chain["read"], "disk": gzip.decompress(on_disk("out/gzip_text")).hex()}
res["text_gzip"] = attempt(lambda: type(fmt.Gzip >> fmt.UTF8).__name__)
res["text_text"] = attempt(lambda: type(fmt.UTF8 >> fmt.Text).__name__)
res["gzip_bzip"] = attempt(lambda: type(fmt.Gzip >> fmt.Bzip2).__name__)
chain = write_read("bz_text", fmt.Text >> fmt.Bzip2, ["a\nb\n"])
res["bz_text_lines"] = lines("bz_text", fmt.Text >> fmt.Bzip2)
res["nl_lines"] = lines("text", fmt.Text)
res["chain_type"] = type(fmt.UTF8 >> fmt.Gzip).__name__
res["default_is_text"] = fmt.get_default_format() is fmt.Text
res["format_names"] = sorted(n for n in ["Text", "UTF8", "Nop", "Gzip", "Bzip2", "SysNewLine",
                                         "MixedUnicodeBytes"] if hasattr(fmt, n))
res["abort_leaves_nothing"] = attempt(lambda: write_read("fails", fmt.Gzip, [b"a", None])["disk"])
print(json.dumps(res, sort_keys=True))
