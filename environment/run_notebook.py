#!/usr/bin/python3
"""Executes one notebook headless with nbclient and saves the executed copy (stdlib + nbclient/nbformat).

  run_notebook.py IN.ipynb OUT.ipynb [--kernel permerge-java] [--startup-timeout 20] [--timeout 1200]

rapaio-jupyter-kernel 3.0.1 binds its sockets before it registers its message handlers; a kernel_info
request that lands in between kills its shell thread, and the kernel never answers (seen in ~15 % of
starts, far more on a loaded machine). So this waits until the kernel's heartbeat port accepts
connections (sockets bound) and a short settle time more before the client sends anything. Errors in cells
are kept in the saved copy (the checker reports them). Exit status 3 means the kernel never answered.

Binder budget: before the kernel is shut down, its peak resident set (VmHWM in /proc/<pid>/status) is read
and printed with this process's own peak (a Python Jupyter process, the stand-in for the Jupyter server a
person's session also runs). With --max-rss-mib the sum must stay under that limit (exit status 4).
"""
import argparse
import asyncio
import os
import socket
import sys
import time

import nbformat
from nbclient import NotebookClient
from jupyter_core.utils import ensure_async


def peak_rss_kib(pid):
    """VmHWM (peak resident set, KiB) of a live process, or None where /proc does not tell."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


class SettledClient(NotebookClient):
    settle_seconds = 3.0
    bind_timeout = 300.0
    kernel_peak_kib = None

    async def _async_cleanup_kernel(self):
        # the last moment the kernel process still exists: read its peak before it is shut down
        km = getattr(self, "km", None)
        provisioner = getattr(km, "provisioner", None) if km is not None else None
        process = getattr(provisioner, "process", None)
        if process is not None and process.poll() is None:
            self.kernel_peak_kib = peak_rss_kib(process.pid)
        await super()._async_cleanup_kernel()

    async def async_start_new_kernel_client(self):
        info = self.km.get_connection_info()
        deadline = time.monotonic() + self.bind_timeout
        while time.monotonic() < deadline:
            if not await ensure_async(self.km.is_alive()):
                break  # let the parent report the dead kernel
            try:
                socket.create_connection((info["ip"], info["hb_port"]), timeout=1).close()
                break
            except OSError:
                await asyncio.sleep(0.2)
        await asyncio.sleep(self.settle_seconds)
        return await super().async_start_new_kernel_client()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--kernel", default="permerge-java")
    ap.add_argument("--startup-timeout", type=int, default=20)
    ap.add_argument("--timeout", type=int, default=1200)
    ap.add_argument("--max-rss-mib", type=int, default=None,
                    help="fail (exit 4) when the kernel's peak RSS plus this process's exceeds this many MiB")
    a = ap.parse_args()
    nb = nbformat.read(a.src, as_version=4)
    client = SettledClient(nb, kernel_name=a.kernel, timeout=a.timeout, startup_timeout=a.startup_timeout,
                           allow_errors=True,
                           resources={"metadata": {"path": os.path.dirname(os.path.abspath(a.src))}})
    try:
        client.execute()
    except RuntimeError as e:
        if "Kernel didn't respond" in str(e):
            print(f"run_notebook: {a.src}: {e}", file=sys.stderr)
            return 3
        raise
    tmp = a.dst + ".tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, a.dst)
    kernel = client.kernel_peak_kib
    own = peak_rss_kib(os.getpid()) or 0
    name = os.path.basename(a.src)
    if kernel is None:
        print(f"run_notebook: {name}: kernel peak RSS unknown (no /proc entry for the kernel)", file=sys.stderr)
        return 4 if a.max_rss_mib is not None else 0
    total = (kernel + own) / 1024
    print(f"run_notebook: {name}: peak RSS kernel {kernel / 1024:.0f} MiB + client {own / 1024:.0f} MiB"
          f" = {total:.0f} MiB" + (f" (limit {a.max_rss_mib} MiB)" if a.max_rss_mib is not None else ""),
          file=sys.stderr)
    if a.max_rss_mib is not None and total > a.max_rss_mib:
        print(f"run_notebook: {name}: over the memory budget of {a.max_rss_mib} MiB", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
