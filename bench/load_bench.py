"""Many people at once: page runs timed over Streamlit's own websocket protocol, as a steering meeting opens the
same pages together.

    python bench/load_bench.py [--sessions 1 5 10 20] [--write-readme]

Starts `streamlit run app.py` on the demo database (loaded once into bench/data/load/, git-ignored), then for
each number of sessions opens that many websocket sessions at once. Each session asks for the eight pages a
meeting looks at, twice, one after the other, as a browser does: a BackMsg `rerun_script` naming the page,
timed until the ForwardMsg `script_finished`. The figures are the median, 90th percentile and worst page
run over every session, the errors (a run that failed, or no answer within a minute) and the server's
memory (RSS) at the end. Target: 20 sessions with a 90th percentile of at most 2 s, and no error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench.machine import Machine  # noqa: E402
from bench.readme import write_between  # noqa: E402

DATA = ROOT / "bench" / "data" / "load"
README = ROOT / "bench" / "README.md"
BEGIN, END = "<!-- load-results:begin -->", "<!-- load-results:end -->"
# The pages a steering meeting opens (their url paths; "" is the Overview).
PAGES = ("", "gate-review", "quality", "value", "cost", "risk", "adoption", "support")
TARGET_P90 = 2.0
ANSWER_SECONDS = 60.0
SECTION = """
## Many people at once

`python bench/load_bench.py --write-readme` (`make bench-load`) serves the app on the demo database and opens
several sessions at once over Streamlit's websocket protocol, each asking for the eight pages of a meeting twice
(Overview, Gate review and the six families), timing each page run from the request to `script_finished`.
Target: 20 sessions at once with a 90th percentile of at most 2 s, and no error.

{begin}
{end}
"""


@dataclass(frozen=True)
class Run:
    """One page run of one session: how long it took, or why it failed."""

    page: str
    seconds: float
    error: str | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database() -> Path:
    """The demo exports in a database of their own (made once)."""
    from loaders import store
    from loaders.demo import load_demo

    db = DATA / "rollgate.duckdb"
    if not db.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        with store.connect(db) as con:
            load_demo(con)
    return db


def _rerun(page: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.page_name = page
    msg.rerun_script.query_string = ""
    return msg.SerializeToString()


async def session(url: str, rounds: int) -> list[Run]:
    """One person: connect, then ask for every page `rounds` times, each after the last one finished."""
    runs: list[Run] = []
    async with websockets.connect(url, subprotocols=[websockets.Subprotocol("streamlit")],
                                  max_size=None, open_timeout=ANSWER_SECONDS) as ws:
        for _ in range(rounds):
            for page in PAGES:
                started = time.perf_counter()
                await ws.send(_rerun(page))
                error = None
                try:
                    async with asyncio.timeout(ANSWER_SECONDS):
                        while True:
                            msg = ForwardMsg()
                            msg.ParseFromString(await ws.recv())
                            if msg.HasField("delta") and msg.delta.new_element.HasField("exception"):
                                error = msg.delta.new_element.exception.message or "an exception"
                            if msg.HasField("script_finished"):
                                if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                                    error = f"finished with {ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)}"
                                break
                except TimeoutError:
                    error = f"no answer within {ANSWER_SECONDS:.0f} s"
                runs.append(Run(page or "overview", time.perf_counter() - started, error))
    return runs


async def crowd(url: str, sessions: int, rounds: int) -> list[Run]:
    found = await asyncio.gather(*(session(url, rounds) for _ in range(sessions)), return_exceptions=True)
    runs: list[Run] = []
    for f in found:
        runs += [Run("connect", 0.0, repr(f))] if isinstance(f, BaseException) else f
    return runs


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write-readme", action="store_true", help="record the figures in bench/README.md")
    args = parser.parse_args(argv)

    import streamlit

    db = database()
    plan = DATA / "plan.toml"
    shutil.copyfile(ROOT / "data" / "plan.toml", plan)
    port = _free_port()
    env = {**os.environ, "ROLLGATE_DB": str(db), "ROLLGATE_PLAN": str(plan)}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {Machine.here()}, Streamlit {streamlit.__version__}; the "
             f"demo database; {len(PAGES)} pages × {args.rounds} per session.", "",
             "| sessions at once | page runs | median | 90th percentile (≤ 2 s at 20) | worst | errors | server RSS |",
             "|---|---|---|---|---|---|---|"]
    failed = False
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.3)
        url = f"ws://127.0.0.1:{port}/_stcore/stream"
        asyncio.run(crowd(url, 1, 1))  # the server's first run imports the app's modules: not timed
        for n in args.sessions:
            runs = asyncio.run(crowd(url, n, args.rounds))
            times = [r.seconds for r in runs if r.error is None]
            errors = [r for r in runs if r.error is not None]
            rss = psutil.Process(server.pid).memory_info().rss / 2**20
            p90 = _percentile(times, 0.9) if times else float("nan")
            mark = " ✗" if (n >= 20 and p90 > TARGET_P90) or errors else ""
            failed = failed or bool(mark)
            line = (f"| {n} | {len(runs)} | {statistics.median(times):.2f} s | {p90:.2f} s{mark} | {max(times):.2f} s "
                    f"| {len(errors)} | {rss:.0f} MB |")
            print(line, flush=True)
            for r in errors[:3]:
                print(f"    {r.page}: {r.error}", flush=True)
            lines.append(line)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.write_readme:
        write_between(README, BEGIN, END, lines, section=SECTION.format(begin=BEGIN, end=END))
        print(f"wrote the figures into {README.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
