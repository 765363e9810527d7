#!/usr/bin/env python3
"""Build Urna's appliance image: one command, Debian bookworm, dm-verity root.

    sudo python3 appliance-image/build.py --profile commission

Writes appliance-image/out/<profile>/:

    disk.img        GPT disk: ESP (UKI), urna-root (squashfs), urna-verity, urna-data (ext4)
    vmlinuz         the kernel inside the UKI, for direct QEMU boots
    initrd.img      the initramfs inside the UKI
    cmdline         the kernel command line sealed into the UKI (carries the root hash)
    roothash        the dm-verity root hash of urna-root, hex
    manifest.json   what is inside: packages, Python distributions, plugins, hashes, timings

Runs as root on a Debian bookworm host (chroot, debootstrap); installs the host tools it
lacks with apt-get. Needs no mounts of disk images and no device-mapper on the host:
filesystems are written from directories (mksquashfs, mkfs.ext4 -d, mtools) and joined
with sfdisk and dd. Uses only the system python3 (no third-party modules).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
SECURITY_MIRROR = "http://deb.debian.org/debian-security"

# Host tools and the Debian packages that carry them.
HOST_TOOLS = {
    "debootstrap": "debootstrap",
    "mksquashfs": "squashfs-tools",
    "veritysetup": "cryptsetup-bin",
    "mkfs.vfat": "dosfstools",
    "mcopy": "mtools",
    "sfdisk": "fdisk",
    "objcopy": "binutils",
    "mkfs.ext4": "e2fsprogs",
    "zstd": "zstd",
}
EFI_STUB = Path("/usr/lib/systemd/boot/efi/linuxx64.efi.stub")  # package systemd-boot-efi

# Packages on top of debootstrap's minbase. No openssh, no sudo, no getty is ever started.
PACKAGES = [
    "linux-image-amd64",
    "systemd",
    "systemd-sysv",
    "systemd-timesyncd",
    "udev",
    "kmod",
    "initramfs-tools",
    "busybox",
    "zstd",
    "cryptsetup-bin",
    "nftables",
    "e2fsprogs",
    "python3",
]

# What a [kiosk] table adds: the Wayland kiosk compositor, the browser, a font with the
# Azerbaijani and Cyrillic letters.
KIOSK_PACKAGES = ["cage", "chromium", "fonts-dejavu-core"]
KIOSK_DIR = HERE / "kiosk"


def profile_packages(profile: dict) -> list[str]:  # type: ignore[type-arg]
    """The Debian packages this profile installs on top of the common ones."""
    return PACKAGES + (KIOSK_PACKAGES if kiosk_of(profile) else [])


def kiosk_of(profile: dict) -> dict | None:  # type: ignore[type-arg]
    """The profile's [kiosk] table when it runs a page on the local display, else None."""
    kiosk = profile.get("kiosk")
    return kiosk if kiosk and kiosk.get("enabled", True) else None


# GPT partition types (UAPI Discoverable Partitions Specification) and layout, MiB.
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
ROOT_TYPE = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"  # root, x86-64
VERITY_TYPE = "2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5"  # root verity, x86-64
LINUX_DATA_TYPE = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"  # plain Linux data: no auto-mount
ESP_MIB = 128
ROOT_MIB_MIN = 1024
VERITY_MIB = 64
DATA_MIB = 512

# Module trees an election appliance has no use for: smaller root, less attack surface.
PRUNED_MODULE_DIRS = [
    "kernel/sound",
    "kernel/drivers/media",
    "kernel/drivers/net/wireless",
    "kernel/drivers/infiniband",
    "kernel/drivers/isdn",
    "kernel/drivers/staging",
    "kernel/net/bluetooth",
    "kernel/net/wireless",
    "kernel/net/mac80211",
    "kernel/drivers/bluetooth",
]

KERNEL_CMDLINE = [
    "root=/dev/mapper/urna-root",
    "rootfstype=squashfs",
    "ro",
    # initramfs-tools and the kernel reboot after 10 s instead of offering a shell.
    "panic=10",
    "systemd.gpt_auto=0",
    "lockdown=integrity",
    "quiet",
    # Warnings (urna-usb, urna-verity) reach the console; info does not.
    "loglevel=5",
    "console=ttyS0,115200",
    # The last console= is /dev/console: the fingerprint goes to the screen.
    "console=tty0",
]


def log(msg: str) -> None:
    print(f"[build {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, **kw)  # type: ignore[call-overload,no-any-return]


def out_of(cmd: list[str], **kw: object) -> str:
    return run(cmd, stdout=subprocess.PIPE, **kw).stdout


class Timer:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.start = time.monotonic()

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        log(f"{name} ...")
        t0 = time.monotonic()
        yield
        self.steps[name] = round(time.monotonic() - t0, 1)
        log(f"{name}: {self.steps[name]} s")

    def total(self) -> float:
        return round(time.monotonic() - self.start, 1)


def derived_uuid(label: str, seed: str) -> str:
    """A fixed UUID for a filesystem or partition: same inputs, same image."""
    return str(uuid.UUID(bytes=hashlib.sha256(f"{seed}:{label}".encode()).digest()[:16], version=4))


def ensure_host_tools() -> None:
    missing = sorted({pkg for tool, pkg in HOST_TOOLS.items() if shutil.which(tool) is None})
    if not EFI_STUB.exists():
        missing.append("systemd-boot-efi")
    if (
        subprocess.run(
            [sys.executable, "-m", "pip", "--version"], capture_output=True, check=False
        ).returncode
        != 0
    ):
        missing.append("python3-pip")
    if not missing:
        return
    log(f"installing host packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


def source_date_epoch(commit: str) -> int:
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    return int(out_of(["git", "-C", str(REPO), "log", "-1", "--format=%ct", commit]).strip())


def export_commit(commit: str, dest: Path) -> Path:
    """core/ and plugins/ exactly as committed: a release build ignores the work tree."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    paths = [p for p in ("core", "plugins", "docs/appliance.md") if (REPO / p).exists()]
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit, *paths],
        check=True,
        stdout=subprocess.PIPE,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def git_describe(commit: str | None) -> str:
    if commit is not None:
        return out_of(["git", "-C", str(REPO), "rev-parse", "--short=12", commit]).strip()
    rev = out_of(["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"]).strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "diff", "--quiet", "HEAD", "--", "core", "plugins", str(HERE)],
        check=False,
    ).returncode
    return rev + ("-dirty" if dirty else "")


def load_profile(name: str) -> dict:  # type: ignore[type-arg]
    path = HERE / "profiles" / f"{name}.toml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in (HERE / "profiles").glob("*.toml")))
        sys.exit(f"unknown profile {name!r}; known: {known}")
    with path.open("rb") as f:
        return tomllib.load(f)


def plugin_dists(profile: dict, src: Path) -> tuple[list[dict], list[str]]:  # type: ignore[type-arg]
    """The profile's plugins that exist as distributions now, and those that do not."""
    found, missing = [], []
    for name in profile["profile"]["plugins"]:
        pyproject = src / "plugins" / name / "pyproject.toml"
        if not pyproject.exists():
            missing.append(name)
            continue
        with pyproject.open("rb") as f:
            meta = tomllib.load(f)["project"]
        entry_points = sorted(meta.get("entry-points", {}).get("urna", {}))
        found.append(
            {"dir": name, "distribution": meta["name"], "entry_points": entry_points or [name]}
        )
    return found, missing


# ----------------------------------------------------------------------------- wheels


def build_wheelhouse(wheels: Path, src: Path, plugins: list[dict], python: str) -> None:  # type: ignore[type-arg]
    """Urna's and the plugins' wheels plus every dependency, and pip itself (run from its
    wheel inside the chroot, so pip never lands in the image)."""
    if wheels.exists():
        shutil.rmtree(wheels)
    wheels.mkdir(parents=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH=os.environ["SOURCE_DATE_EPOCH"])
    pip = [python, "-m", "pip", "--disable-pip-version-check", "-q"]
    sources = [str(src / "core")] + [str(src / "plugins" / p["dir"]) for p in plugins]
    for src in sources:
        run([*pip, "wheel", "--no-deps", "-w", str(wheels), src], env=env)
    # Dependencies: binary wheels for CPython 3.11 on x86-64 glibc (Debian's python3.11).
    run(
        [
            *pip,
            "wheel",
            "--only-binary=:all:",
            "-w",
            str(wheels),
            "--find-links",
            str(wheels),
            # Each with its appliance's parts: `urna` alone is the observer's verifier.
            *[f"{p}[appliance]" for p in sorted(wheels.glob("*.whl"))],
        ],
        env=env,
    )
    run([*pip, "download", "--only-binary=:all:", "--no-deps", "-d", str(wheels), "pip"], env=env)


# ----------------------------------------------------------------------------- root tree


STAGED_WHEELS = "/tmp/wheels"  # noqa: S108 (inside the chroot, removed before sealing)


def chroot(root: Path, *cmd: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "DEBIAN_FRONTEND": "noninteractive",
        "SOURCE_DATE_EPOCH": os.environ["SOURCE_DATE_EPOCH"],
        "PYTHONHASHSEED": "0",
        "HOME": "/root",
    }
    return run(["chroot", str(root), *cmd], env=env, **kw)


@contextlib.contextmanager
def chroot_mounts(root: Path) -> Iterator[None]:
    mounted: list[Path] = []
    try:
        # No /dev mount: debootstrap's static nodes suffice, and the host's devtmpfs is
        # not the chroot's to write to. A tmpfs /dev/shm serves multiprocessing.
        for fstype, target in (("proc", "proc"), ("sysfs", "sys"), ("tmpfs", "dev/shm")):
            path = root / target
            path.mkdir(exist_ok=True)
            run(["mount", "-t", fstype, fstype, str(path)])
            mounted.append(path)
        yield
    finally:
        for path in reversed(mounted):
            subprocess.run(["umount", "-l", str(path)], check=False)


def umount_below(root: Path) -> None:
    """Leftovers of an interrupted build: never rmtree through a mounted /proc or /sys."""
    prefix = str(root.resolve()) + "/"
    with open("/proc/self/mounts") as f:
        targets = [line.split()[1] for line in f]
    for target in sorted((t for t in targets if t.startswith(prefix)), reverse=True):
        subprocess.run(["umount", "-l", target], check=False)


def debootstrap(root: Path, debcache: Path) -> None:
    umount_below(root)
    if root.exists():
        shutil.rmtree(root)
    debcache.mkdir(parents=True, exist_ok=True)
    run(
        ["debootstrap", "--variant=minbase", f"--cache-dir={debcache}", SUITE, str(root), MIRROR],
        stdout=subprocess.DEVNULL,
    )


def install_packages(root: Path, debcache: Path, packages: list[str]) -> None:
    (root / "etc/apt/sources.list").write_text(
        f"deb {MIRROR} {SUITE} main\n"
        f"deb {MIRROR} {SUITE}-updates main\n"
        f"deb {SECURITY_MIRROR} {SUITE}-security main\n"
    )
    (root / "etc/apt/apt.conf.d/90urna-build").write_text(
        'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nDpkg::Use-Pty "false";\n'
    )
    archives = root / "var/cache/apt/archives"
    archives.mkdir(parents=True, exist_ok=True)
    for deb in debcache.glob("*.deb"):
        if not (archives / deb.name).exists():
            shutil.copy2(deb, archives / deb.name)
    with chroot_mounts(root):
        chroot(root, "apt-get", "update", "-q", stdout=subprocess.DEVNULL)
        chroot(root, "apt-get", "dist-upgrade", "-y", "-q", stdout=subprocess.DEVNULL)
        chroot(root, "apt-get", "install", "-y", "-q", *packages, stdout=subprocess.DEVNULL)
    for deb in archives.glob("*.deb"):
        if not (debcache / deb.name).exists():
            shutil.copy2(deb, debcache / deb.name)


def copy_overlay(root: Path) -> None:
    run(["cp", "-a", "--no-preserve=ownership", f"{HERE / 'rootfs'}/.", str(root)])


def write_text(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def configure(root: Path, src: Path, profile: dict, plugins: list[dict], image_info: dict) -> None:  # type: ignore[type-arg]
    """Everything the profile decides: Urna's settings, firewall, network, time, USB."""
    pname = profile["profile"]["name"]
    port = int(profile["server"]["port"])
    allow = sorted({ep for p in plugins for ep in p["entry_points"]})
    write_text(
        root / "etc/urna/urna.toml",
        f"# Urna settings for the {pname} appliance (sealed in the verity root).\n"
        'data_dir = "/var/lib/urna"\n'
        'database_url = ""\n\n'
        "[server]\n"
        'host = "0.0.0.0"\n'
        f"port = {port}\n\n"
        "[plugins]\n"
        f"allow = {toml_list(allow)}\n"
        f"require = {toml_list(allow)}\n",
    )

    net = profile["network"]
    out_rules = []
    for server in net.get("ntp", []):
        out_rules.append(f"        ip daddr {server} udp dport 123 accept")
    for uplink in net.get("uplink", []):
        host, _, uport = uplink.rpartition(":")
        out_rules.append(f"        ip daddr {host} tcp dport {int(uport)} accept")
    if net.get("dhcp", True):
        out_rules.append("        udp sport 68 udp dport 67 accept")
    rules_out = "\n".join(out_rules)
    write_text(
        root / "etc/nftables.conf",
        f"""#!/usr/sbin/nft -f
# Default deny, both ways. In: Urna's port {port} only. Out: DHCP, the configured NTP
# servers and uplinks, nothing else. Generated from profiles/{pname}.toml.
flush ruleset

table inet urna {{
    chain input {{
        type filter hook input priority filter; policy drop;
        iif "lo" accept
        ct state invalid drop
        ct state established,related accept
        tcp dport {port} ct state new accept
        udp sport 67 udp dport 68 accept
        icmp type {{ destination-unreachable, time-exceeded, parameter-problem }} accept
        icmpv6 type {{ destination-unreachable, packet-too-big, time-exceeded }} accept
        icmpv6 type parameter-problem accept
    }}
    chain forward {{
        type filter hook forward priority filter; policy drop;
    }}
    chain output {{
        type filter hook output priority filter; policy drop;
        oif "lo" accept
        ct state established,related accept
{rules_out}
    }}
}}
""",
        0o755,
    )

    if "address" in net:
        network = f"Address={net['address']}\n" + (
            f"Gateway={net['gateway']}\n" if "gateway" in net else ""
        )
    else:
        network = "DHCP=ipv4\n"
    write_text(
        root / "etc/systemd/network/20-wired.network",
        "[Match]\nName=en* eth*\n\n[Network]\n"
        + network
        + "LinkLocalAddressing=no\nIPv6AcceptRA=no\nLLMNR=no\nMulticastDNS=no\n",
    )
    ntp = " ".join(net.get("ntp", []))
    write_text(
        root / "etc/systemd/timesyncd.conf.d/urna.conf",
        f"# Time from the configured sources only.\n[Time]\nNTP={ntp}\nFallbackNTP=\n",
    )

    classes = [c.lower() for c in profile["usb"]["interface_classes"]]
    pattern = "|".join(classes)
    write_text(
        root / "etc/udev/rules.d/60-urna-usb-policy.rules",
        f"""# USB policy of the {pname} profile: interfaces of classes {", ".join(classes)} are
# authorised, every other interface is refused before (or, for devices present at boot,
# instead of) binding a driver.
ACTION!="add", GOTO="urna_usb_end"
SUBSYSTEM!="usb", GOTO="urna_usb_end"
# Root hubs: interfaces of devices plugged in later start unauthorised.
ENV{{DEVTYPE}}=="usb_device", KERNEL=="usb[0-9]*", \
  ATTR{{interface_authorized_default}}="0"
ENV{{DEVTYPE}}!="usb_interface", GOTO="urna_usb_end"
# An interface authorised after it appeared is not probed again by the kernel: ask for it.
ATTR{{bInterfaceClass}}=="{pattern}", ATTR{{authorized}}="1", \\
  RUN+="/bin/sh -c 'echo %k > /sys/bus/usb/drivers_probe'", GOTO="urna_usb_end"
ATTR{{authorized}}="0", RUN+="/usr/lib/urna-appliance/usb-refused %k"
LABEL="urna_usb_end"
""",
    )
    if pname == "parliament":
        # Seat-unit controllers on USB serial. DeviceAllow= only works for device classes
        # whose module is loaded before the service starts (see FIELD.md): load them early.
        write_text(root / "etc/modules-load.d/urna.conf", "usbserial\nftdi_sio\ncdc_acm\n")
        write_text(
            root / "etc/systemd/system/urna.service.d/devices.conf",
            "[Service]\nPrivateDevices=no\n"
            "DeviceAllow=char-ttyUSB rw\nDeviceAllow=char-ttyACM rw\n",
        )

    kiosk = kiosk_of(profile)
    if kiosk is not None:
        configure_kiosk(root, kiosk, port)

    write_text(root / "etc/hostname", f"urna-{pname}\n")
    write_text(root / "etc/hosts", f"127.0.0.1 localhost\n127.0.1.1 urna-{pname}\n")
    write_text(root / "usr/lib/urna-appliance/image.json", json.dumps(image_info, indent=2) + "\n")
    osrel = root / "usr/lib/os-release"
    osrel.write_text(
        osrel.read_text() + f"IMAGE_ID=urna-{pname}\nIMAGE_VERSION={image_info['version']}\n"
    )
    doc = src / "docs/appliance.md"
    if doc.exists():
        write_text(root / "usr/share/doc/urna-appliance/appliance.md", doc.read_text())


# Chromium's switches in the kiosk: no first-run or error dialogs, no background network,
# no swipe or pinch away from the page, software rendering (no GPU is assumed). Its own
# sandbox needs user namespaces, which the kiosk's unit refuses: the unit is the sandbox
# (docs/appliance.md, "The kiosk"), and --test-type hides the warning bar that says so.
# --disable-gpu alone left the window white for good (cage 0.1.4, wlroots 0.15): software
# compositing in the browser process (--disable-gpu-compositing, --in-process-gpu) paints.
CHROMIUM_SWITCHES = [
    "--ozone-platform=wayland",
    "--kiosk",
    "--no-first-run",
    "--noerrdialogs",
    "--disable-infobars",
    "--no-sandbox",
    "--no-zygote",
    "--test-type",
    "--disable-gpu",
    "--disable-gpu-compositing",
    "--in-process-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-features=Translate,MediaRouter,OptimizationHints,DialMediaRouteProvider",
    "--overscroll-history-navigation=0",
    "--disable-pinch",
    "--autoplay-policy=no-user-gesture-required",
    "--password-store=basic",
    "--check-for-update-interval=31536000",
]


def configure_kiosk(root: Path, kiosk: dict, port: int) -> None:  # type: ignore[type-arg]
    """The kiosk of a booth or a hall display: cage + Chromium on the local display, as
    its own user, showing one page of the local Urna (docs/appliance.md, "The kiosk")."""
    origin = f"http://127.0.0.1:{port}"
    path = str(kiosk["path"])
    accepts_input = bool(kiosk.get("input", False))
    booth = bool(kiosk.get("booth", False))
    settings = {
        "origin": origin,
        "path": path,
        "language": str(kiosk.get("language", "az")),
        "profile": "/var/lib/urna/kiosk/chromium",
        "chromium": CHROMIUM_SWITCHES,
    }
    write_text(root / "etc/urna/kiosk.json", json.dumps(settings, indent=2) + "\n")
    policy = (KIOSK_DIR / "chromium-policy.json").read_text()
    policy = policy.replace("@ORIGIN@", origin).replace("@PATH@", path)
    write_text(root / "etc/chromium/policies/managed/urna-kiosk.json", policy)
    for unit in ("urna-kiosk.service", *(["urna-booth-enrol.service"] if booth else [])):
        write_text(root / "etc/systemd/system" / unit, (KIOSK_DIR / unit).read_text())
    write_text(root / "usr/lib/urna-appliance/kiosk", (KIOSK_DIR / "kiosk").read_text(), 0o755)
    write_text(
        root / "etc/tmpfiles.d/urna-kiosk.conf", (KIOSK_DIR / "urna-kiosk.tmpfiles").read_text()
    )
    write_text(
        root / "etc/systemd/system/seatd.service.d/urna-sandbox.conf",
        (KIOSK_DIR / "seatd-sandbox.conf").read_text(),
    )
    devices = "[Service]\n"
    if not accepts_input:
        # The display only: no input backend at all, so no keyboard or pointer reaches it.
        devices += "Environment=WLR_BACKENDS=drm\n"
    else:
        # Keyboards and switches (through seatd); their dangerous keys are gone (the hwdb).
        write_text(
            root / "etc/udev/hwdb.d/70-urna-kiosk-keys.hwdb",
            (KIOSK_DIR / "70-urna-kiosk-keys.hwdb").read_text(),
        )
    if booth:
        devices += "ReadWritePaths=/run/urna-booth\n"
        write_text(root / "etc/urna/booth-origin", origin + "\n")
        write_text(
            root / "usr/lib/urna-appliance/booth-enrol",
            (KIOSK_DIR / "booth-enrol").read_text(),
            0o755,
        )
    write_text(root / "etc/systemd/system/urna-kiosk.service.d/profile.conf", devices)


def lock_down(root: Path, profile: dict) -> None:  # type: ignore[type-arg]
    """Users, units, no login anywhere, no setuid."""
    chroot(
        root,
        "useradd",
        "--system",
        "--user-group",
        "--home-dir",
        "/var/lib/urna",
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        "urna",
    )
    chroot(root, "passwd", "--lock", "root", stdout=subprocess.DEVNULL)
    enable = ["urna-init.service", "urna.service", "nftables.service", "systemd-networkd.service"]
    kiosk = kiosk_of(profile)
    if kiosk is not None:
        chroot(
            root, "useradd", "--system", "--user-group", "--home-dir", "/run/urna-kiosk",
            "--no-create-home", "--shell", "/usr/sbin/nologin", "urna-kiosk",
        )  # fmt: skip
        # seatd (Debian's unit, sandboxed by the image's drop-in) hands the kiosk its devices.
        enable += ["seatd.service", "urna-kiosk.service"]
        if kiosk.get("booth"):
            enable.append("urna-booth-enrol.service")
        # The image's own key map (70-urna-kiosk-keys.hwdb) compiled into the read-only root.
        chroot(root, "systemd-hwdb", "update")
    run(["systemctl", f"--root={root}", "enable", *enable], stderr=subprocess.DEVNULL)
    mask = [
        "getty@.service",
        "getty-static.service",
        "serial-getty@.service",
        "console-getty.service",
        "container-getty@.service",
        "autovt@.service",
        "debug-shell.service",
        "rescue.service",
        "emergency.service",
        "ctrl-alt-del.target",
        "systemd-networkd-wait-online.service",
        "apt-daily.timer",
        "apt-daily-upgrade.timer",
        "e2scrub_all.timer",
        "fstrim.timer",
    ]
    conf = root / "etc/systemd/timesyncd.conf.d/urna.conf"
    if "NTP=\n" in conf.read_text():
        mask.append("systemd-timesyncd.service")
    run(["systemctl", f"--root={root}", "mask", *mask], stderr=subprocess.DEVNULL)
    run(
        ["systemctl", f"--root={root}", "set-default", "multi-user.target"],
        stderr=subprocess.DEVNULL,
    )
    # Nothing gains privileges by exec on this appliance.
    for line in out_of(["find", str(root), "-xdev", "-type", "f", "-perm", "/6000"]).splitlines():
        os.chmod(line, os.stat(line).st_mode & 0o1777)


def install_urna(root: Path, wheels: Path, plugins: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    staged = root / STAGED_WHEELS.lstrip("/")
    if staged.exists():
        shutil.rmtree(staged)
    shutil.copytree(wheels, staged)
    with chroot_mounts(root):
        return _install_urna(root, staged, plugins)


def _install_urna(root: Path, staged: Path, plugins: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    pip_whl = next(staged.glob("pip-*.whl")).name
    chroot(root, "python3", "-m", "venv", "--without-pip", "/opt/urna")
    chroot(
        root,
        "/opt/urna/bin/python",
        f"{STAGED_WHEELS}/{pip_whl}/pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        "--no-index",
        "--find-links",
        STAGED_WHEELS,
        "--no-compile",
        "--no-cache-dir",
        "urna[appliance]",
        *[f"{p['distribution']}[appliance]" for p in plugins],
    )
    frozen = json.loads(
        chroot(
            root,
            "/opt/urna/bin/python",
            f"{STAGED_WHEELS}/{pip_whl}/pip",
            "list",
            "--disable-pip-version-check",
            "--format=json",
            stdout=subprocess.PIPE,
        ).stdout
    )
    shutil.rmtree(staged)
    return frozen  # type: ignore[no-any-return]


def prune_and_initramfs(root: Path) -> str:
    """Drop unused module trees, then build the initramfs (with the urna-verity hook)."""
    kversions = sorted(p.name for p in (root / "usr/lib/modules").iterdir())
    if len(kversions) != 1:
        raise SystemExit(f"expected one kernel, found {kversions}")
    kver = kversions[0]
    moddir = root / "usr/lib/modules" / kver
    for rel in PRUNED_MODULE_DIRS:
        shutil.rmtree(moddir / rel, ignore_errors=True)
    with chroot_mounts(root):
        chroot(root, "depmod", "-a", kver)
        chroot(root, "update-initramfs", "-u", "-k", kver, stdout=subprocess.DEVNULL)
    return kver


def compile_python(root: Path) -> None:
    """Bytecode that never needs rewriting on a read-only root, and is the same every
    build: unchecked-hash pycs do not depend on source mtimes."""
    with chroot_mounts(root):
        _compile_python(root)


def _compile_python(root: Path) -> None:
    chroot(
        root,
        "/opt/urna/bin/python",
        "-m",
        "compileall",
        "-q",
        "-f",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "/opt/urna/lib",
        "/usr/lib/python3.11",
        "/usr/lib/python3/dist-packages",
        stdout=subprocess.DEVNULL,
    )


def dpkg_manifest(root: Path) -> list[dict]:  # type: ignore[type-arg]
    out = chroot(
        root,
        "dpkg-query",
        "-W",
        "-f=${Package}\t${Version}\t${Architecture}\n",
        stdout=subprocess.PIPE,
    ).stdout
    rows = [line.split("\t") for line in out.splitlines() if line]
    return [{"package": p, "version": v, "arch": a} for p, v, a in rows]


def seal_tree(root: Path, boot_out: Path, kver: str, epoch: int) -> None:
    """Take the kernel out, empty what the running appliance never reads (/var is a tmpfs
    at run time), and clamp timestamps so two builds give the same bytes."""
    boot_out.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / f"boot/vmlinuz-{kver}", boot_out / "vmlinuz")
    shutil.copy2(root / f"boot/initrd.img-{kver}", boot_out / "initrd.img")
    for sub in ("boot", "var", "tmp", "run"):
        path = root / sub
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    for rel in (
        "usr/sbin/policy-rc.d",
        "etc/apt/apt.conf.d/90urna-build",
        "etc/machine-id",
        "var/lib/dbus/machine-id",
        "etc/.pwd.lock",
        "etc/ld.so.cache~",
    ):
        with contextlib.suppress(FileNotFoundError):
            (root / rel).unlink()
    for backup in ("passwd-", "group-", "shadow-", "gshadow-", "subuid-", "subgid-"):
        with contextlib.suppress(FileNotFoundError):
            (root / "etc" / backup).unlink()
    # Empty machine-id: systemd makes a transient one on the read-only root.
    (root / "etc/machine-id").write_text("")
    for vmlinuz in ("vmlinuz", "vmlinuz.old", "initrd.img", "initrd.img.old"):
        with contextlib.suppress(FileNotFoundError):
            (root / vmlinuz).unlink()
    run(
        [
            "find",
            str(root),
            "-xdev",
            "-newermt",
            f"@{epoch}",
            "-exec",
            "touch",
            "--no-dereference",
            f"--date=@{epoch}",
            "{}",
            "+",
        ]
    )


# ----------------------------------------------------------------------------- images


def make_squashfs(root: Path, image: Path, epoch: int) -> None:
    image.unlink(missing_ok=True)
    # Timestamps are already clamped in the tree; SOURCE_DATE_EPOCH in the environment would
    # make mksquashfs overwrite every one of them (and conflicts with -mkfs-time).
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    run(
        [
            "mksquashfs",
            str(root),
            str(image),
            "-noappend",
            # lz4: a third faster to build than zstd -15 and much cheaper to read, which
            # counts under emulation and on small boards; the image is ~40% larger.
            "-comp",
            "lz4",
            "-mkfs-time",
            str(epoch),
            "-no-progress",
            "-quiet",
        ],
        stdout=subprocess.DEVNULL,
        env=env,
    )


def make_verity(data: Path, hashfile: Path, seed: str) -> str:
    hashfile.unlink(missing_ok=True)
    salt = hashlib.sha256(f"{seed}:verity-salt".encode()).hexdigest()
    out = out_of(
        [
            "veritysetup",
            "format",
            str(data),
            str(hashfile),
            f"--salt={salt}",
            f"--uuid={derived_uuid('verity', seed)}",
        ]
    )
    match = re.search(r"^Root hash:\s+([0-9a-f]{64})$", out, re.MULTILINE)
    if not match:
        raise SystemExit(f"no root hash in veritysetup output:\n{out}")
    return match.group(1)


def make_uki(boot: Path, cmdline: str, osrel: Path, uki: Path) -> None:
    """A unified kernel image (systemd-stub + os-release + cmdline + kernel + initrd),
    laid out by hand with objcopy as systemd 252 has no ukify."""
    stub_headers = out_of(["objdump", "-h", str(EFI_STUB)])
    end = 0
    for line in stub_headers.splitlines():
        parts = line.split()
        if len(parts) == 7 and parts[0].isdigit():
            end = max(end, int(parts[3], 16) + int(parts[2], 16))
    align = 0
    for line in out_of(["objdump", "-p", str(EFI_STUB)]).splitlines():
        if line.startswith("SectionAlignment"):
            align = int(line.split()[1], 16)
    (boot / "cmdline.txt").write_text(cmdline + "\0")
    sections = [
        (".osrel", osrel),
        (".cmdline", boot / "cmdline.txt"),
        (".initrd", boot / "initrd.img"),
        # .linux last: the stub lets the kernel grow into the memory after it.
        (".linux", boot / "vmlinuz"),
    ]
    args: list[str] = []
    offset = end
    for name, path in sections:
        offset = (offset + align - 1) // align * align
        args += [
            "--add-section",
            f"{name}={path}",
            "--change-section-vma",
            f"{name}={offset:#x}",
        ]
        offset += path.stat().st_size
    run(["objcopy", *args, str(EFI_STUB), str(uki)])
    pe_fix_timestamp(uki, int(os.environ["SOURCE_DATE_EPOCH"]))


def pe_fix_timestamp(path: Path, epoch: int) -> None:
    """objcopy stamps the PE header with the current time: put the build's epoch there
    instead and recompute the PE checksum, so two builds give the same UKI."""
    data = bytearray(path.read_bytes())
    pe = int.from_bytes(data[0x3C:0x40], "little")
    assert data[pe : pe + 4] == b"PE\0\0", "not a PE file"
    data[pe + 8 : pe + 12] = (epoch & 0xFFFFFFFF).to_bytes(4, "little")
    checksum_at = pe + 24 + 64
    data[checksum_at : checksum_at + 4] = bytes(4)
    if len(data) % 2:
        data.append(0)
    total = sum(memoryview(bytes(data)).cast("H"))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    size = path.stat().st_size
    data[checksum_at : checksum_at + 4] = ((total + size) & 0xFFFFFFFF).to_bytes(4, "little")
    path.write_bytes(bytes(data[:size]))


def make_esp(uki: Path, image: Path, seed: str, epoch: int) -> None:
    image.unlink(missing_ok=True)
    volid = hashlib.sha256(f"{seed}:esp".encode()).hexdigest()[:8]
    run(
        [
            "mkfs.vfat",
            "-C",
            "-F",
            "32",
            "-n",
            "URNA-ESP",
            "-i",
            volid,
            "--invariant",
            str(image),
            str(ESP_MIB * 1024),
        ],
        stdout=subprocess.DEVNULL,
    )
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch), MTOOLS_SKIP_CHECK="1")
    run(["mmd", "-i", str(image), "::EFI", "::EFI/BOOT"], env=env)
    run(["mcopy", "-i", str(image), str(uki), "::EFI/BOOT/BOOTX64.EFI"], env=env)


def make_data(image: Path, seed: str, uid: int, gid: int) -> None:
    image.unlink(missing_ok=True)
    with image.open("wb") as f:
        f.truncate(DATA_MIB * 1024 * 1024)
    env = dict(os.environ, E2FSPROGS_FAKE_TIME=os.environ["SOURCE_DATE_EPOCH"])
    run(
        [
            "mkfs.ext4",
            "-q",
            "-F",
            "-L",
            "urna-data",
            "-U",
            derived_uuid("data", seed),
            "-E",
            # Tables written now, not by the kernel in the background on first boot.
            f"root_owner={uid}:{gid},hash_seed={derived_uuid('data-hash', seed)},"
            "lazy_itable_init=0,lazy_journal_init=0",
            "-m",
            "0",
            str(image),
        ],
        env=env,
    )


def assemble_disk(disk: Path, parts: list[tuple[str, str, Path, int]], seed: str) -> None:
    """parts: (label, type, image, size MiB). GPT with 1 MiB alignment, fixed GUIDs."""
    total = 1 + sum(p[3] for p in parts) + 1
    disk.unlink(missing_ok=True)
    with disk.open("wb") as f:
        f.truncate(total * 1024 * 1024)
    lines = ["label: gpt", f"label-id: {derived_uuid('disk', seed)}", "unit: sectors", ""]
    start = 2048
    offsets = []
    for label, ptype, _image, mib in parts:
        size = mib * 2048
        lines.append(
            f"start={start}, size={size}, type={ptype}, name={label}, "
            f"uuid={derived_uuid('part-' + label, seed)}"
        )
        offsets.append(start)
        start += size
    run(
        ["sfdisk", "-q", "--no-reread", "--no-tell-kernel", str(disk)],
        input="\n".join(lines) + "\n",
        stdout=subprocess.DEVNULL,
    )
    for (_label, _ptype, image, mib), offset in zip(parts, offsets, strict=True):
        if image.stat().st_size > mib * 1024 * 1024:
            raise SystemExit(f"{image} does not fit in {mib} MiB")
        run(
            [
                "dd",
                f"if={image}",
                f"of={disk}",
                "bs=1M",
                f"seek={offset * 512}",
                "oflag=seek_bytes",
                "conv=notrunc,sparse",
                "status=none",
            ]
        )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", default="commission", help="profiles/<name>.toml")
    parser.add_argument("--out", type=Path, help="output directory (default out/<profile>)")
    parser.add_argument(
        "--commit",
        help="build core/ and plugins/ as committed at this revision (release builds, the "
        "reproducibility check); default: the work tree as it is",
    )
    parser.add_argument("--work", type=Path, help="work directory (default work/<profile>)")
    parser.add_argument(
        "--python", default=sys.executable, help="Python 3.11 with pip used to build the wheels"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("build.py needs root (debootstrap, chroot)")

    profile = load_profile(args.profile)
    pname = profile["profile"]["name"]
    out = (args.out or HERE / "out" / pname).resolve()
    work = (args.work or HERE / "work" / pname).resolve()
    debcache = HERE / "work" / "debcache"
    epoch = source_date_epoch(args.commit or "HEAD")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    version = git_describe(args.commit)
    seed = f"urna-{pname}"  # fixed GUIDs, salt, volume ids: reproducible across builds
    timer = Timer()

    ensure_host_tools()
    work.mkdir(parents=True, exist_ok=True)
    src = export_commit(args.commit, work / "src") if args.commit else REPO
    plugins, missing_plugins = plugin_dists(profile, src)
    for name in missing_plugins:
        log(f"plugin {name!r} of profile {pname!r}: no plugins/{name}/pyproject.toml yet, skipped")
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    root = work / "root"
    image_info = {
        "profile": pname,
        "version": version,
        "source_date_epoch": epoch,
        "plugins": [p["distribution"] for p in plugins],
        "plugins_missing_at_build": missing_plugins,
        "media_dir": "/run/urna-media",
        "roothash_file": "/run/urna-verity/roothash",
    }

    with timer.step("wheels"):
        build_wheelhouse(work / "wheels", src, plugins, args.python)
    with timer.step("debootstrap"):
        debootstrap(root, debcache)
    with timer.step("overlay"):
        copy_overlay(root)
    with timer.step("packages"):
        install_packages(root, debcache, profile_packages(profile))
    with timer.step("configure"):
        configure(root, src, profile, plugins, image_info)
        lock_down(root, profile)
    with timer.step("urna"):
        python_dists = install_urna(root, work / "wheels", plugins)
    with timer.step("initramfs"):
        kver = prune_and_initramfs(root)
    with timer.step("bytecode"):
        compile_python(root)
    packages = dpkg_manifest(root)
    uid = int(out_of(["chroot", str(root), "id", "-u", "urna"]).strip())
    gid = int(out_of(["chroot", str(root), "id", "-g", "urna"]).strip())
    with timer.step("seal"):
        seal_tree(root, out, kver, epoch)
    with timer.step("squashfs"):
        make_squashfs(root, work / "root.squashfs", epoch)
    with timer.step("verity"):
        roothash = make_verity(work / "root.squashfs", work / "root.verity", seed)
    cmdline = " ".join([*KERNEL_CMDLINE[:3], f"urna.roothash={roothash}", *KERNEL_CMDLINE[3:]])
    (out / "cmdline").write_text(cmdline + "\n")
    (out / "roothash").write_text(roothash + "\n")
    with timer.step("uki+esp"):
        make_uki(out, cmdline, root / "usr/lib/os-release", work / "urna.efi")
        (out / "cmdline.txt").unlink()
        make_esp(work / "urna.efi", work / "esp.img", seed, epoch)
    with timer.step("data"):
        make_data(work / "data.img", seed, uid, gid)
    root_mib = max(ROOT_MIB_MIN, -(-(work / "root.squashfs").stat().st_size // (1 << 20)) + 1)
    with timer.step("disk"):
        assemble_disk(
            out / "disk.img",
            [
                ("esp", ESP_TYPE, work / "esp.img", ESP_MIB),
                ("urna-root", ROOT_TYPE, work / "root.squashfs", root_mib),
                ("urna-verity", VERITY_TYPE, work / "root.verity", VERITY_MIB),
                ("urna-data", LINUX_DATA_TYPE, work / "data.img", DATA_MIB),
            ],
            seed,
        )
    manifest = {
        **image_info,
        "roothash": roothash,
        "cmdline": cmdline,
        "kernel": kver,
        "suite": SUITE,
        "build_seconds": {**timer.steps, "total": timer.total()},
        "sizes": {
            "disk.img": (out / "disk.img").stat().st_size,
            "root.squashfs": (work / "root.squashfs").stat().st_size,
            "root.verity": (work / "root.verity").stat().st_size,
            "uki": (work / "urna.efi").stat().st_size,
        },
        "sha256": {
            "root.squashfs": sha256_file(work / "root.squashfs"),
            "root.verity": sha256_file(work / "root.verity"),
            "vmlinuz": sha256_file(out / "vmlinuz"),
            "initrd.img": sha256_file(out / "initrd.img"),
            "uki": sha256_file(work / "urna.efi"),
        },
        "python": python_dists,
        "packages": packages,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    log(f"root hash {roothash}")
    log(f"done in {timer.total()} s: {out}")


if __name__ == "__main__":
    main()
