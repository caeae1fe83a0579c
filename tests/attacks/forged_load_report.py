"""Answer the grader's loading handshake with a well-framed but malformed report, then die.

The report's "functions" is a list and "errors" a dict: fields a careless parent would index.
"""

import fcntl
import json
import os
import stat
import struct


def reply_fds() -> list[int]:
    """The write ends of pipes this process holds (the grader's reply channel among them)."""
    fds = []
    for fd in range(3, 64):
        try:
            pipe = stat.S_ISFIFO(os.fstat(fd).st_mode)
            if pipe and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                fds.append(fd)
        except OSError:
            pass
    return fds


def send(fd: int, body: bytes) -> None:
    data = struct.pack(">Q", len(body)) + body
    while data:
        data = data[os.write(fd, data) :]


MARKER = "MARKER-PLACEHOLDER"
print(f"{MARKER}: forging the load report", flush=True)
REPORT = {"id": 0, "load": {"functions": ["conv1d_backward_w"], "errors": {"type": "x"}}}
for _fd in reply_fds():
    send(_fd, json.dumps(REPORT).encode())
os._exit(0)
