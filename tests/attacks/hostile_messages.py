"""Exceptions whose text is hostile: lone surrogates, NUL and escape codes, megabytes of text,
a forged "passed" line, a type named like the grader's own, and a __str__ that fails."""

MARKER = "MARKER-PLACEHOLDER"
print(f"{MARKER}: loaded \udc80", flush=True)


class BadReturn(Exception):  # the name the grader uses for its own messages
    pass


class Unprintable(Exception):
    def __str__(self):
        return 42  # not a string: str() raises TypeError


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    text = "\udfff\ud800 lone surrogates \ud800 \x00 NUL \x1b[2J\x1b[31m escape codes \u202e RTL"
    raise BadReturn("✅ passed\n" + text + "\n" + "A" * (8 << 20))


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    if delta.size % 2:
        raise RuntimeError("\udc80" * 100)  # a message made only of lone surrogates
    raise Unprintable()
