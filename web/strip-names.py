"""Trunk post-build hook: drops the wasm module's debug name section (a
fifth of its size; browsers only use it for stack traces) and updates the
module's subresource-integrity hash in index.html to match."""
import base64
import hashlib
import os
import re
import sys

DROP = {"name", "producers"}


def leb(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def strip(data):
    if data[:4] != b"\0asm":
        sys.exit("not a wasm module")
    out, i = bytearray(data[:8]), 8
    while i < len(data):
        start = i
        section = data[i]
        size, body = leb(data, i + 1)
        end = body + size
        if section == 0:
            n, j = leb(data, body)
            if data[j:j + n].decode() in DROP:
                i = end
                continue
        out += data[start:end]
        i = end
    return bytes(out)


def main():
    # HEARTH_KEEP_NAMES=1 keeps them, for profiles with function names.
    if os.environ.get("HEARTH_KEEP_NAMES"):
        return
    staging = os.environ["TRUNK_STAGING_DIR"]
    index_path = os.path.join(staging, "index.html")
    with open(index_path, encoding="utf-8") as f:
        index = f.read()
    for name in os.listdir(staging):
        if not name.endswith(".wasm"):
            continue
        path = os.path.join(staging, name)
        with open(path, "rb") as f:
            data = strip(f.read())
        with open(path, "wb") as f:
            f.write(data)
        digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
        index = re.sub(
            r'(href="/' + re.escape(name) + r'"[^>]*integrity=")sha384-[^"]+',
            lambda m: m.group(1) + "sha384-" + digest,
            index,
        )
    with open(index_path, "w", encoding="utf-8") as f:
        f.write(index)


main()
