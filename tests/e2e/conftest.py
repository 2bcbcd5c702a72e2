"""End-to-end tests: the real `berth serve` binary on 127.0.0.1 with a free port, driven by
tritonclient (the client Triton users already have) and by raw HTTP for the error cases.

Run through ctest (`ctest -L e2e`), or directly:
    .venv/bin/python -m pytest tests/e2e --berth build/berth
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_models  # noqa: E402  (needs the path above)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START_TIMEOUT_S = 60


def pytest_addoption(parser):
    parser.addoption("--berth", default=os.environ.get("BERTH_BINARY", os.path.join(ROOT, "build", "berth")),
                     help="path of the berth binary (default: $BERTH_BINARY or build/berth)")


@pytest.fixture(scope="session")
def berth_binary(request):
    path = os.path.abspath(request.config.getoption("--berth"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"berth binary not found at {path}: build it (tools/build.sh berth) or pass --berth PATH")
    return path


class BerthServer:
    """One `berth serve` process. Its log (stderr, JSON lines) goes to a file the tests can read."""

    def __init__(self, binary, repository, log_path, extra_args=()):
        self.log_path = log_path
        self._log_file = open(log_path, "wb")
        args = [binary, "serve", "--model-repository", repository, "--http-address", "127.0.0.1",
                "--http-port", "0", "--exit-timeout-secs", "20", *extra_args]
        if "--grpc-port" not in extra_args:
            args[2:2] = ["--grpc-port", "0"]  # several servers run at once: never the fixed 8001
        self.process = subprocess.Popen(args, stdout=self._log_file, stderr=subprocess.STDOUT)
        self.port = self._wait_for_port()
        self.url = f"127.0.0.1:{self.port}"

    def _wait_for_port(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for event in self.events("server_listening"):
                return event["port"]
            text = re.search(r" server_listening .*\bport=(\d+)", self.log_text())  # --log-format text
            if text:
                return int(text.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"berth serve exited with {self.process.returncode} before listening:\n"
                                   + self.log_text())
            time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("berth serve did not log server_listening in time:\n" + self.log_text())

    def grpc_url(self, timeout_s=START_TIMEOUT_S):
        """host:port of the gRPC front end, from its grpc_listening log line (logged after HTTP's)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for event in self.events("grpc_listening"):
                return f"127.0.0.1:{event['port']}"
            if self.process.poll() is not None:
                raise RuntimeError(f"berth serve exited with {self.process.returncode}:\n" + self.log_text())
            time.sleep(0.05)
        raise RuntimeError("berth serve did not log grpc_listening in time:\n" + self.log_text())

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def events(self, name=None):
        out = []
        for line in self.log_text().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if name is None or event.get("event") == name:
                out.append(event)
        return out

    def wait_ready(self, timeout_s=START_TIMEOUT_S):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{self.url}/v2/health/ready", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become ready:\n" + self.log_text())

    def stop(self, sig=signal.SIGTERM, timeout_s=30):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        self._log_file.close()
        return self.process.returncode


@pytest.fixture(scope="session")
def model_repository(tmp_path_factory):
    """The bundled examples plus the test models of e2e_models.py."""
    repo = tmp_path_factory.mktemp("models")
    examples = os.path.join(ROOT, "examples", "models")
    for name in os.listdir(examples):
        shutil.copytree(os.path.join(examples, name), repo / name)
    e2e_models.write_test_models(str(repo))
    return str(repo)


@pytest.fixture(scope="session")
def start_server(berth_binary, tmp_path_factory):
    """Factory: start_server(repository, *extra_args) -> a ready BerthServer, stopped at the end."""
    servers = []

    def start(repository, *extra_args, wait_ready=True):
        log_path = str(tmp_path_factory.mktemp("log") / "berth.log")
        server = BerthServer(berth_binary, repository, log_path, extra_args)
        servers.append(server)
        if wait_ready:
            server.wait_ready()
        return server

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.stop(signal.SIGKILL)


@pytest.fixture(scope="session")
def server(start_server, model_repository):
    """The shared server: every test model loaded (model-control-mode none)."""
    return start_server(model_repository)


@pytest.fixture()
def client(server):
    import tritonclient.http as httpclient
    c = httpclient.InferenceServerClient(url=server.url, network_timeout=120.0, connection_timeout=30.0)
    yield c
    c.close()


def run_in_threads(count, target):
    """Runs target(i) in `count` threads; re-raises the first failure."""
    errors = []

    def wrap(i):
        try:
            target(i)
        except BaseException as e:  # noqa: BLE001 (collected and re-raised below)
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
