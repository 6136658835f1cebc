"""The real xlwings Server (the ``xlwings-server`` package) serving ``xlcost.udfs``.

xlwings Server imports its custom functions as the top-level package
``custom_functions`` from its project folder (``XLWINGS_PROJECT_DIR``, put first on
``sys.path`` by ``xlwings_server.main``), and its scripts as ``custom_scripts``; its
settings come from ``XLWINGS_*`` variables, a ``.env`` file or ``[tool.xlwings_server]``
in the project's pyproject.toml. ``xlwings-server run`` does the same as here but on a
fixed port with auto-reload, so this starts uvicorn on ``xlwings_server.main:main_app``
itself, on 127.0.0.1 and a free port.

The project folder is made as the README says: ``xlwings-server init``, then its
``custom_functions/__init__.py`` replaced by one line, ``from xlcost.udfs import *``
(``init`` writes a ``.env`` with ``XLWINGS_ENVIRONMENT="dev"``).
XLWINGS_LICENSE_KEY=noncommercial is set in the server's environment only.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

CUSTOM_FUNCTIONS = "from xlcost.udfs import *\n"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_project(folder):
    """The README's steps: ``xlwings-server init FOLDER``, then xlcost's functions as its custom functions."""
    folder = Path(folder)
    command = Path(sys.executable).with_name("xlwings-server")  # the console script beside this Python
    if not command.exists():
        command = shutil.which("xlwings-server")
    subprocess.run([str(command), "init", str(folder)], check=True, capture_output=True, timeout=120)
    (folder / "custom_functions" / "__init__.py").write_text(CUSTOM_FUNCTIONS)
    return folder


@contextmanager
def running_server(folder, timeout_s=60):
    """Start xlwings Server on 127.0.0.1 for the project in ``folder``; yield its base URL; stop it."""
    folder = make_project(folder)
    port = free_port()
    env = dict(
        os.environ,
        XLWINGS_PROJECT_DIR=str(folder),
        XLWINGS_LICENSE_KEY="noncommercial",
        XLWINGS_ENABLE_SOCKETIO="false",
        XLWINGS_LOG_LEVEL="WARNING",
    )
    log = open(folder / "server.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "xlcost.server_app:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"xlwings Server exited with {process.returncode}:\n{log.read()[-3000:]}")
            try:
                if httpx.get(f"{url}/xlwings/custom-functions-meta", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"xlwings Server did not answer within {timeout_s} s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def payload(func_name, args, runtime="1.4"):
    """The body the add-in's JavaScript posts to /xlwings/custom-functions-call: ranges as 2-D lists."""
    return {
        "func_name": func_name,
        "args": args,
        "caller_address": "[Book1]Sheet1!A1",
        "formula_address": "[Book1]Sheet1!A1",
        "version": "0",
        "runtime": runtime,
        "culture_info_name": "en-US",
        "date_format": "M/d/yyyy",
        "client": "Office.js",
        "session_id": "xlcost-tests",
    }
