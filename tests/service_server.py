"""A real ``secscan serve`` on 127.0.0.1 for the service tests: started as a subprocess on a free port.

The users of two units are created in-process through the same functions
``secscan serve --init-admin/--add-user`` use, before the server starts.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"
UNIT = "某市人民政府办公室"
OTHER_UNIT = "某县财政局"
# username -> (role, real name, unit)
USERS = {
    "admin": ("admin", "管理员甲", UNIT),
    "zhang": ("clerk", "张承办", UNIT),
    "li": ("section_head", "李处长", UNIT),
    "wang": ("secrecy", "王保密", UNIT),
    "zhao": ("leader", "赵领导", UNIT),
    "other": ("clerk", "钱外单位", OTHER_UNIT),
}
# created too, for tests that lock an account out (rate limit)
SPARE_USERS = {"spare": ("clerk", "孙备用", UNIT)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_users(data_dir: Path, database_url: str = "") -> None:
    from scanner.service.command import _add_user, _database
    from scanner.service.config import ServiceConfig

    sessions = _database(ServiceConfig(data_dir=data_dir, database_url=database_url))
    for username, (role, name, unit) in {**USERS, **SPARE_USERS}.items():
        _add_user(sessions, username=username, role=role, unit=unit, name=name, department="办公室",
                  password=PASSWORD, first_admin=False)
    sessions.kw["bind"].dispose()  # no idle connection left open to the test's database server


def add_token(data_dir: Path, name: str, unit: str, scopes: tuple[str, ...], database_url: str = "") -> str:
    from scanner.service.auth import new_api_token
    from scanner.service.command import _database, _unit
    from scanner.service.config import ServiceConfig

    sessions = _database(ServiceConfig(data_dir=data_dir, database_url=database_url))
    with sessions() as db:
        secret = new_api_token(db, name=name, unit_id=_unit(db, unit, create=False).id, scopes=scopes)
        db.commit()
    sessions.kw["bind"].dispose()
    return secret


class Server:
    """``secscan serve`` in a subprocess; ``url`` once :meth:`start` returns."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.args = args
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 90.0) -> Server:
        environ = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-c", "from cli import secscan; secscan()", "serve", "--data-dir",
                   str(self.data_dir), "--port", str(self.port), *self.args]
        if "--cookie-secure" not in self.args:
            command += ["--cookie-secure", "never"]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"secscan serve exited {self.process.returncode}:\n{self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return self
            time.sleep(0.3)
        raise RuntimeError(f"secscan serve did not start:\n{self.log.read_text()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def _descendants(self) -> list[int]:
        assert self.process is not None
        pids, queue = [], [self.process.pid]
        while queue:  # every descendant: the workers are children of multiprocessing's fork server
            pid = queue.pop()
            pids.append(pid)
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    queue += [int(child) for child in (task / "children").read_text().split()]
        return pids

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds (user + system) of the server process itself, and of all its descendants together."""
        ticks = os.sysconf("SC_CLK_TCK")
        times = []
        for pid in self._descendants():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                times.append((int(fields[11]) + int(fields[12])) / ticks)
        return (times[0] if times else 0.0), sum(times[1:])

    def rss_kb(self) -> int:
        """Resident memory of the server process and all its descendants (the scan workers), in KB."""
        assert self.process is not None
        total = 0
        for pid in self._descendants():
            with contextlib.suppress(OSError):
                match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
                total += int(match.group(1)) if match else 0
        return total


@contextlib.contextmanager
def running(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = Server(data_dir, *args, env=env).start()
    try:
        yield server
    finally:
        server.stop()


def login(base_url: str, username: str, password: str = PASSWORD) -> httpx.Client:
    """An HTTP client with a live session for ``username`` (raises if the login fails)."""
    client = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    if answer.status_code != 303:
        raise AssertionError(f"login {username}: {answer.status_code} {answer.text[:300]}")
    return client


def csrf_of(client: httpx.Client, path: str = "/") -> str:
    page = client.get(path)
    return re.search(r'<meta name="csrf-token" content="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
