"""Our stand-in for the ``hadoop`` command in tests: ``hadoop fs ...`` over a local directory
(``$FAKE_HDFS``), enough of it for what our tasks do.  Each call is logged to ``$FAKE_HDFS.log``."""

import os
import shutil
import sys
import time

root = os.environ["FAKE_HDFS"]


def local(path):
    if path.startswith("hdfs://"):
        path = "/" + path.split("/", 3)[3]
    return os.path.join(root, path.lstrip("/"))


def missing(command, path):
    sys.stderr.write(f"{command}: `{path}': No such file or directory\n")
    sys.exit(1)


def main(args):
    with open(root + ".log", "a") as log:
        log.write(" ".join(args) + "\n")
    command, rest = args[1], args[2:]
    flags = [a for a in rest if a.startswith("-") and a != "-"]
    paths = [a for a in rest if a not in flags]
    if command == "-stat":
        if not os.path.exists(local(paths[0])):
            missing("stat", paths[0])
        print(time.strftime("%Y-%m-%d %H:%M:%S"))
    elif command == "-test":
        sys.exit(0 if os.path.exists(local(paths[0])) else 1)
    elif command == "-mkdir":
        os.makedirs(local(paths[0]), exist_ok=True)
    elif command == "-put":
        source, target = paths
        os.makedirs(os.path.dirname(local(target)), exist_ok=True)
        with open(local(target), "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer if source == "-" else open(source, "rb"), out)
    elif command in ("-cat", "-get"):
        if not os.path.exists(local(paths[0])):
            missing(command[1:], paths[0])
        if command == "-cat":
            with open(local(paths[0]), "rb") as f:
                shutil.copyfileobj(f, sys.stdout.buffer)
        else:
            shutil.copy(local(paths[0]), paths[1])
    elif command == "-mv":
        os.makedirs(os.path.dirname(local(paths[1])), exist_ok=True)
        os.rename(local(paths[0]), local(paths[1]))
    elif command == "-rm":
        if not os.path.exists(local(paths[-1])):
            missing("rm", paths[-1])
        target = local(paths[-1])
        shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)
    elif command == "-ls":
        directory = local(paths[0])
        if not os.path.exists(directory):
            missing("ls", paths[0])
        names = sorted(os.listdir(directory))
        print(f"Found {len(names)} items")
        for name in names:
            full = os.path.join(directory, name)
            kind = "d" if os.path.isdir(full) else "-"
            size = 0 if kind == "d" else os.path.getsize(full)
            print(f"{kind}rw-r--r--   1 etl supergroup {size:>10} 2024-06-01 04:10 "
                  f"{paths[0].rstrip('/')}/{name}")
    elif command == "-count":
        top = local(paths[0])
        if not os.path.exists(top):
            missing("count", paths[0])
        dirs = files = size = 0
        for here, _, names in os.walk(top):
            dirs += 1
            files += len(names)
            size += sum(os.path.getsize(os.path.join(here, n)) for n in names)
        print(f"{dirs:>12} {files:>12} {size:>18} {paths[0]}")
    else:
        sys.stderr.write(f"fake hadoop: {command} is not faked\n")
        sys.exit(255)


if __name__ == "__main__":
    main(sys.argv[1:])
