"""An HTTP server on 127.0.0.1 for the download code (tests never reach the internet), and the
tar.gz archives it serves."""

from __future__ import annotations

import contextlib
import http.server
import io
import socket
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path


def tar_gz(members: dict[str, bytes]) -> bytes:
    """A gzipped tar archive of `members` (archive name -> content), with an entry for each
    folder before its files, as `tar` writes them."""
    buffer = io.BytesIO()
    folders: set[str] = set()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in members.items():
            for parent in reversed(Path(name).parents[:-1]):
                safe = ".." not in parent.parts and not parent.is_absolute()
                if safe and str(parent) not in folders:
                    folders.add(str(parent))
                    info = tarfile.TarInfo(str(parent))
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def folder_members(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, named relative to it (for `tar_gz`)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def unused_port_url(path: str) -> str:
    """An http URL on 127.0.0.1 at a port nothing listens on: a download there fails at once."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{unused.getsockname()[1]}{path}"


@contextlib.contextmanager
def serving(files: dict[str, bytes]) -> Iterator[str]:
    """Serve `files` (request path, query included -> body; else 404); yields the base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
