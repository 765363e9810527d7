"""Boot the appliance image under QEMU and talk to it from the host.

Software emulation (TCG) by default: on these machines /dev/kvm opens but KVM does not
work, so its presence proves nothing. URNA_IMAGE_KVM=1 opts in to KVM elsewhere.

The emulated CPU is the x86-64 baseline (qemu64, URNA_IMAGE_CPU to change): with "max",
glibc picks AVX2 string functions that TCG emulates slowly, and Debian needs no more.

Two ways to boot the same disk:
- "direct" (default): QEMU loads out/<profile>/vmlinuz and initrd.img with the sealed
  command line (plus console=ttyS0 last, so /dev/console is the serial port the test
  reads), the disk holds the verity root, the hash tree and the data partition.
- "uefi": OVMF boots the disk's ESP, whose UKI carries kernel, initrd and command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class QMP:
    """Just enough of the QEMU Machine Protocol: one command at a time, events skipped."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.reader = self.sock.makefile("r")
        json.loads(self.reader.readline())  # greeting
        self.execute("qmp_capabilities")

    def execute(self, command: str, **arguments: Any) -> Any:
        msg: dict[str, Any] = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = json.loads(self.reader.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"QMP {command}: {reply['error']}")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


class ApplianceVM:
    def __init__(
        self,
        out: Path,
        workdir: Path,
        *,
        disk: Path | None = None,
        boot: str = "direct",
        guest_port: int = 8000,
        closed_ports: tuple[int, ...] = (22, 8001, 5432),
        extra_cmdline: str = "",
        memory_mib: int = 2048,
    ) -> None:
        self.out = out
        self.workdir = workdir
        self.base_disk = disk or out / "disk.img"
        self.boot = boot
        self.guest_port = guest_port
        self.closed_ports = closed_ports
        self.extra_cmdline = extra_cmdline
        self.memory_mib = memory_mib
        self.serial_log = workdir / "serial.log"
        self.qmp_path = workdir / "qmp.sock"
        self.host_port = free_port()
        self.closed_map = {guest: free_port() for guest in closed_ports}
        self.proc: subprocess.Popen[bytes] | None = None
        self.qmp: QMP | None = None
        self.started_at = 0.0

    # --------------------------------------------------------------------- lifecycle

    def command(self) -> list[str]:
        overlay = self.workdir / "disk.qcow2"
        subprocess.run(
            [
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-F",
                "raw",
                "-b",
                str(self.base_disk.resolve()),
                str(overlay),
            ],
            check=True,
        )
        fwd = [f"hostfwd=tcp:127.0.0.1:{self.host_port}-:{self.guest_port}"] + [
            f"hostfwd=tcp:127.0.0.1:{host}-:{guest}" for guest, host in self.closed_map.items()
        ]
        kvm = os.environ.get("URNA_IMAGE_KVM") == "1"
        cmd = [
            "qemu-system-x86_64",
            "-machine", "q35",
            "-accel", "kvm" if kvm else "tcg",
            "-cpu", "host" if kvm else os.environ.get("URNA_IMAGE_CPU", "qemu64"),
            "-smp", "2",
            "-m", str(self.memory_mib),
            "-display", "none",
            "-no-reboot",
            "-serial", f"file:{self.serial_log}",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-drive", f"file={overlay},if=virtio,format=qcow2",
            "-netdev", "user,id=net0,restrict=on," + ",".join(fwd),
            "-device", "virtio-net-pci,netdev=net0",
            "-device", "qemu-xhci,id=xhci",
            "-device", "virtio-rng-pci",
            # The local display: virtio-gpu with VGA compatibility. wlroots 0.15 (the
            # kiosk's compositor) needs a DRM driver that imports PRIME buffers, which
            # real GPUs do and QEMU's standard VGA (bochs) does not.
            "-vga", "none",
            "-device", "virtio-vga",
        ]  # fmt: skip
        if self.boot == "direct":
            cmdline = (self.out / "cmdline").read_text().strip()
            cmdline += " console=ttyS0,115200 " + self.extra_cmdline
            cmd += [
                "-kernel", str(self.out / "vmlinuz"),
                "-initrd", str(self.out / "initrd.img"),
                "-append", cmdline.strip(),
            ]  # fmt: skip
        elif self.boot == "uefi":
            vars_copy = self.workdir / "OVMF_VARS.fd"
            shutil.copy(OVMF_VARS, vars_copy)
            cmd += [
                "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
                "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}",
            ]  # fmt: skip
        else:
            raise ValueError(f"unknown boot mode {self.boot!r}")
        return cmd

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.serial_log.unlink(missing_ok=True)
        self.qmp_path.unlink(missing_ok=True)
        cmd = self.command()
        (self.workdir / "qemu.cmd").write_text(" ".join(cmd) + "\n")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=(self.workdir / "qemu.err").open("wb")
        )
        self.qmp = QMP(self.qmp_path)

    def stop(self) -> None:
        if self.qmp is not None:
            with contextlib.suppress(Exception):
                self.qmp.execute("quit")
            self.qmp.close()
            self.qmp = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> ApplianceVM:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # --------------------------------------------------------------------- observing

    def console(self) -> str:
        try:
            return self.serial_log.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_console(self, pattern: str, timeout: float) -> re.Match[str]:
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.console())
            if match:
                return match
            if not self.running:
                raise AssertionError(f"VM stopped before console showed {pattern!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"console did not show {pattern!r} within {timeout} s")
            time.sleep(0.5)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.host_port}{path}"

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as resp:  # noqa: S310
                return int(resp.status), resp.read()
        except urllib.error.HTTPError as err:
            return int(err.code), err.read()

    def get_json(self, path: str) -> tuple[int, Any]:
        status, body = self.get(path)
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None

    def wait_healthy(self, timeout: float) -> float:
        """Seconds from QEMU start until GET /-/health answered 200 with status ok."""
        deadline = self.started_at + timeout
        while True:
            try:
                status, doc = self.get_json("/-/health")
                if status == 200 and isinstance(doc, dict) and doc.get("status") == "ok":
                    return time.monotonic() - self.started_at
            except (OSError, urllib.error.URLError):
                pass
            if not self.running:
                raise AssertionError("VM stopped before Urna became healthy")
            if time.monotonic() > deadline:
                raise AssertionError(f"Urna not healthy within {timeout} s")
            time.sleep(1)

    def port_answers(self, host_port: int, wait: float = 5.0) -> bool:
        """True if something behind the forwarded port sends any byte back to a request."""
        try:
            with socket.create_connection(("127.0.0.1", host_port), timeout=wait) as s:
                s.settimeout(wait)
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                return bool(s.recv(1))
        except OSError:
            return False

    # --------------------------------------------------------------------- the screen
    # The virtio-vga display is the local display; QMP screendump reads it and send-key
    # types on the PS/2 keyboard, as a person at the booth would.

    def screendump(self, path: Path) -> Screen:
        """The guest's screen now: a PNG at ``path`` (for a person) and its pixels."""
        assert self.qmp is not None
        raw = path.with_suffix(".ppm")
        self.qmp.execute("screendump", filename=str(raw))
        self.qmp.execute("screendump", filename=str(path), format="png")
        screen = Screen.from_ppm(raw.read_bytes(), path)
        raw.unlink()
        return screen

    def wait_screen_text(self, marker: str, timeout: float, png: Path) -> tuple[float, Screen]:
        """Seconds from QEMU's start until the screen shows ``marker`` (read by OCR, letters
        and digits compared), and that screen; its PNG is left at ``png``."""
        want = _letters(marker)
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screendump(png)
            if screen.colours() > 8 and want in _letters(screen.text()):
                return time.monotonic() - self.started_at, screen
            if not self.running:
                raise AssertionError(f"VM stopped before the screen showed {marker!r}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen did not show {marker!r} in {timeout} s: {png}")
            time.sleep(2)

    def send_keys(self, *keys: str, hold_ms: int = 100) -> None:
        """Press ``keys`` together (QEMU key codes: ``ctrl``, ``alt``, ``f2``, ``l``...)."""
        assert self.qmp is not None
        self.qmp.execute(
            "send-key",
            keys=[{"type": "qcode", "data": key} for key in keys],
            **{"hold-time": hold_ms},
        )

    def wait_exit(self, timeout: float) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


class Screen:
    """A screendump: size, RGB bytes, and where its PNG was kept."""

    def __init__(self, width: int, height: int, pixels: bytes, png: Path) -> None:
        self.width = width
        self.height = height
        self.pixels = pixels
        self.png = png

    @classmethod
    def from_ppm(cls, data: bytes, png: Path) -> Screen:
        fields = data.split(maxsplit=4)  # P6 width height maxval pixels
        assert fields[0] == b"P6" and fields[3] == b"255", "not an 8-bit PPM"
        width, height = int(fields[1]), int(fields[2])
        return cls(width, height, fields[4][: width * height * 3], png)

    def colours(self) -> int:
        """How many distinct colours it shows (a blank or text console shows few)."""
        return len({self.pixels[i : i + 3] for i in range(0, len(self.pixels), 3 * 7)})

    def difference(self, other: Screen) -> float:
        """The share of pixels that differ between two screens of the same size."""
        if (self.width, self.height) != (other.width, other.height):
            return 1.0
        a, b = self.pixels, other.pixels
        changed = sum(1 for i in range(0, len(a), 3) if a[i : i + 3] != b[i : i + 3])
        return changed / (self.width * self.height)

    def text(self) -> str:
        """What OCR (tesseract) reads on the screen."""
        result = subprocess.run(
            ["tesseract", str(self.png), "-", "--psm", "3"],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout


@contextlib.contextmanager
def booted(out: Path, workdir: Path, **kw: Any) -> Iterator[ApplianceVM]:
    vm = ApplianceVM(out, workdir, **kw)
    try:
        vm.start()
        yield vm
    finally:
        vm.stop()
