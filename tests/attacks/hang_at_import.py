"""Never finish loading: ignore SIGTERM and sleep (bounded at 100 s) before defining anything."""

import signal
import time

MARKER = "MARKER-PLACEHOLDER"
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(f"{MARKER}: hanging", flush=True)
_deadline = time.monotonic() + 100
while time.monotonic() < _deadline:
    time.sleep(1)
