#!/usr/bin/env python3
"""How long the wizard takes from a cold start to its first drawn frame.

Each run starts target/release/ecr-share (no subcommand) in a fresh pseudo-terminal
of 80x24 with TERM=xterm-256color, and measures the time from the spawn until the
start screen's text ("Choose what to share") has arrived on the terminal. Then it
presses q and waits for the program to end, so every run also checks that the
wizard quits cleanly. Any terminal query the program sends (a cursor position
request, ESC [ 6 n) is answered as a terminal would, so a query can never stall it.

Usage: benches/cold_start.py [-n RUNS] [--binary PATH]
Not part of the test suite. Builds target/release/ecr-share when it is missing.
Standard library only (Python 3.11).
"""

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_SCREEN = b"Choose what to share"
CURSOR_QUERY = b"\x1b[6n"
CURSOR_REPLY = b"\x1b[1;1R"
COLUMNS, ROWS = 80, 24
TIMEOUT = 10.0
DEFAULT_BINARY = ROOT / "target" / "release" / "ecr-share"


def build(binary: Path) -> None:
    if binary.exists():
        return
    if binary != DEFAULT_BINARY:
        sys.exit(f"cold_start.py: {binary} does not exist")
    print(f"building {binary} (the release profile uses LTO; this takes a while)", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)


def read_some(fd: int, deadline: float, waiting_for: str) -> bytes:
    """Whatever the program wrote next, or b"" when it closed the terminal."""
    remaining = deadline - time.perf_counter()
    ready = select.select([fd], [], [], remaining)[0] if remaining > 0 else []
    if not ready:
        raise TimeoutError(f"no {waiting_for} within {TIMEOUT:.0f} s")
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the child closed its side
        return b""


def one_run(binary: Path, log_file: Path) -> float:
    """Milliseconds from spawn to the first screen's text, for one cold start."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS))
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        # The child: the pty is its controlling terminal; give it its size first.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        try:
            os.execve(str(binary), [str(binary), "--log-file", str(log_file)], env)
        finally:
            os._exit(127)

    deadline = start + TIMEOUT
    seen = b""
    elapsed = None
    try:
        while elapsed is None:
            chunk = read_some(fd, deadline, "first frame")
            if not chunk:
                raise RuntimeError("the wizard ended before drawing: %r" % seen[-400:])
            # Answer queries as a terminal would; a query may straddle two reads.
            tail = seen[-(len(CURSOR_QUERY) - 1):]
            seen += chunk
            replies = (tail + chunk).count(CURSOR_QUERY)
            if replies:
                os.write(fd, CURSOR_REPLY * replies)
            if FIRST_SCREEN in seen:
                elapsed = (time.perf_counter() - start) * 1000.0
        os.write(fd, b"q")
        # Drain until the child closes the terminal, so it never blocks on a full pty.
        quit_deadline = time.perf_counter() + TIMEOUT
        while read_some(fd, quit_deadline, "exit after q"):
            pass
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"the wizard exited with {code} after q")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=20, help="cold starts to time (default 20)")
    parser.add_argument(
        "--binary",
        type=Path,
        default=DEFAULT_BINARY,
        help="the ecr-share binary (default target/release/ecr-share)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    build(args.binary)

    with tempfile.TemporaryDirectory() as folder:
        log_file = Path(folder) / "ecr-share.log"
        try:
            times = [one_run(args.binary, log_file) for _ in range(args.runs)]
        except (RuntimeError, TimeoutError) as error:
            print(f"cold_start.py: {error}", file=sys.stderr)
            return 1

    print(f"cold start to first frame, {COLUMNS}x{ROWS}, {args.runs} runs of {args.binary.name}:")
    print(f"  min    {min(times):6.1f} ms")
    print(f"  median {statistics.median(times):6.1f} ms")
    print(f"  max    {max(times):6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
