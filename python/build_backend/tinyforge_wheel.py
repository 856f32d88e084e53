"""In-tree PEP 517 backend of the tinyforge wheel (python/pyproject.toml).

build_wheel builds the native `tinyforge` binary and `tinyforge-serve` (which `tinyforge serve` execs from the
same folder) with CMake (or takes them from an existing build dir: config setting `build-dir`, else
$TINYFORGE_BUILD_DIR), then repairs them as auditwheel does: every shared library `ldd` resolves that is not
part of glibc is copied next to the binaries into `tinyforge/_native/`, and the binaries and each copied library
get RUNPATH `$ORIGIN` (patchelf), so they resolve one another there and need nothing from the system but glibc. The wheel is tagged `manylinux_2_X` with X the newest GLIBC_2.X symbol version any of
those files needs (PEP 600). The Python files come from python/tinyforge/ and only run the binary.

Needs at build time: cmake (+ ninja or make, a C++20 compiler, the -dev packages of scripts/install-deps.sh)
unless a build dir is given, and ldd, readelf (binutils) and patchelf. Python >= 3.11 (tomllib) to build;
the wheel itself installs on Python >= 3.8.
"""

import base64
import hashlib
import os
import platform
import re
import shutil
import stat
import subprocess
import tempfile
import tomllib
import zipfile
from pathlib import Path

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
# glibc's own libraries: PEP 600 lets a manylinux_2_X wheel take them from the system (glibc >= 2.X).
GLIBC_LIBRARY = re.compile(
    r"^(linux-vdso\.so\.\d+|ld-linux[-\w.]*\.so\.\d+|lib(c|m|pthread|dl|rt|resolv|util|nsl|anl)\.so\.\d+)$")
# A fixed timestamp for every entry (the zip format's earliest), so the same inputs give the same wheel bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    pass


def _run(cmd, **kwargs):
    try:
        return subprocess.run([str(c) for c in cmd], check=True, text=True, **kwargs)
    except FileNotFoundError as e:
        raise BuildError(f"{cmd[0]} not found: install it (scripts/install-deps.sh installs what the wheel "
                         "needs)") from e
    except subprocess.CalledProcessError as e:
        raise BuildError(f"{' '.join(map(str, cmd))} failed (exit {e.returncode}): {e.stderr or ''}") from e


def _project():
    with open(PYTHON_DIR / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    cmake = (REPO / "CMakeLists.txt").read_text()
    version = re.search(r"project\(tinyforge VERSION ([0-9.]+)", cmake)
    if not version:
        raise BuildError("CMakeLists.txt: no `project(tinyforge VERSION x.y.z)` to take the version from")
    return project, version.group(1)


def _build_dir(config_settings):
    """The CMake build dir holding an up-to-date `tinyforge` binary (configured here when none is given)."""
    given = (config_settings or {}).get("build-dir") or os.environ.get("TINYFORGE_BUILD_DIR")
    if given:
        build = (REPO / given).resolve()
        cache = build / "CMakeCache.txt"
        if not cache.is_file():
            raise BuildError(f"build-dir {build}: not a CMake build dir (no CMakeCache.txt); configure it first, "
                             f"e.g. cmake -S . -B {given} -G Ninja -DCMAKE_BUILD_TYPE=Release")
        if re.search(r"^TINYFORGE_SANITIZE:BOOL=ON$", cache.read_text(), re.M):
            raise BuildError(f"build-dir {build} is a sanitizer build (TINYFORGE_SANITIZE=ON); give a Release one")
    else:
        build = REPO / "build" / "wheel"
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        _run(["cmake", "-S", REPO, "-B", build, *generator, "-DCMAKE_BUILD_TYPE=Release", "-DTINYFORGE_TESTS=OFF"],
             stdout=subprocess.DEVNULL)
    # A no-op when the build dir is current (what CI has just built), so the wheel never compiles twice. The
    # target builds tinyforge-serve too.
    _run(["cmake", "--build", build, "--target", "tinyforge"], stdout=subprocess.DEVNULL)
    return build


# Libraries the binary opens at run time (dlopen), which ldd does not list: libcurl, for --upload only, and
# libcrypto, at the first SHA digest (linking them cost every command milliseconds of start-up). Found as the
# dynamic loader would (ldconfig's cache).
RUNTIME_OPENED = ("libcurl.so.4", "libcrypto.so.3")


def _ldd(path):
    """{soname: path} of every library `path` loads (transitively) that glibc does not provide."""
    out = _run(["ldd", path], capture_output=True).stdout
    libraries = {}
    for line in out.splitlines():
        line = line.strip()
        if "not found" in line:
            raise BuildError(f"ldd {path}: {line}")
        name, arrow, rest = line.partition(" => ")
        if not arrow or GLIBC_LIBRARY.match(name):
            continue  # the vdso and the dynamic loader (no "=>"), and glibc's libraries
        libraries[name] = Path(rest.split(" (")[0])
    return libraries


# The executables of the wheel: tinyforge, and tinyforge-serve, which `tinyforge serve` execs (cpp-httplib and
# its libraries are linked by it alone).
EXECUTABLES = ("tinyforge", "tinyforge-serve")


def _shared_libraries(binaries):
    """{soname: path} of every library the binaries load or open (transitively) that glibc does not provide."""
    libraries = {}
    for binary in binaries:
        libraries.update(_ldd(binary))
    cache = _run(["ldconfig", "-p"], capture_output=True).stdout
    for soname in RUNTIME_OPENED:
        found = re.search(rf"^\s*{re.escape(soname)} \(libc6,x86-64\) => (\S+)$", cache, re.M)
        if not found:
            raise BuildError(f"{soname} (opened by tinyforge at run time) is not installed")
        libraries[soname] = Path(found.group(1))
        libraries.update(_ldd(found.group(1)))
    return libraries


def _glibc_minor(files):
    """The newest GLIBC_2.X symbol version the files need."""
    newest = 0
    for f in files:
        needs = _run(["readelf", "--version-info", "-W", f], capture_output=True).stdout
        for minor in re.findall(r"Name: GLIBC_2\.(\d+)", needs):
            newest = max(newest, int(minor))
    return newest


def _repair(build, native):
    """Copies the executables and their non-glibc libraries into `native`, each resolving the others via
    $ORIGIN."""
    native.mkdir(parents=True)
    binaries = [build / name for name in EXECUTABLES]
    for binary in binaries:
        shutil.copy2(binary, native / binary.name)
    for soname, path in sorted(_shared_libraries(binaries).items()):
        shutil.copyfile(path, native / soname)  # the soname the binary asks for, whatever symlink ldd followed
    files = sorted(native.iterdir())
    for f in files:
        f.chmod(0o755 if f.name in EXECUTABLES else 0o644)
        _run(["patchelf", "--set-rpath", "$ORIGIN", f])
    return files


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _write_wheel(path, entries):
    """entries: [(arcname, bytes, executable)] written in order, then RECORD."""
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data, executable in entries:
            info = zipfile.ZipInfo(arcname, ZIP_DATE)
            info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            record.append(_record_line(arcname, data))
        record_name = entries[-1][0].split("/")[0] + "/RECORD"
        info = zipfile.ZipInfo(record_name, ZIP_DATE)
        info.external_attr = (0o644 | stat.S_IFREG) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, "\n".join(record + [f"{record_name},,"]) + "\n")


def _metadata(project, version):
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {version}",
             f"Summary: {project['description']}", f"Requires-Python: {project['requires-python']}"]
    return "\n".join(lines) + "\n"


def _entry_points(project):
    groups = {"console_scripts": project.get("scripts", {}), **project.get("entry-points", {})}
    text = ""
    for group, entries in groups.items():
        text += f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()) + "\n"
    return text


def _dist_info(project, version):
    """The metadata files, which need no build (the WHEEL file's tag does)."""
    return {"METADATA": _metadata(project, version), "entry_points.txt": _entry_points(project)}


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    """pip asks for the metadata first: without this hook it would build the wheel twice."""
    project, version = _project()
    dist_info = Path(metadata_directory) / f"{project['name']}-{version}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    for name, text in _dist_info(project, version).items():
        (dist_info / name).write_text(text)
    return dist_info.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project, version = _project()
    if platform.system() != "Linux":
        raise BuildError("the tinyforge wheel is built on Linux (glibc) only")
    build = _build_dir(config_settings)
    with tempfile.TemporaryDirectory() as tmp:
        native_files = _repair(build, Path(tmp) / "_native")
        tag = f"py3-none-manylinux_2_{_glibc_minor(native_files)}_{platform.machine()}"
        name = project["name"]
        dist_info = f"{name}-{version}.dist-info"
        entries = []
        for f in sorted((PYTHON_DIR / name).rglob("*.py")):
            entries.append((f"{name}/{f.relative_to(PYTHON_DIR / name).as_posix()}", f.read_bytes(), False))
        for f in native_files:
            entries.append((f"{name}/_native/{f.name}", f.read_bytes(), f.name in EXECUTABLES))
        entries += [(f"{dist_info}/{n}", text.encode(), False) for n, text in _dist_info(project, version).items()]
        entries.append((f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: tinyforge_wheel\n"
                                              f"Root-Is-Purelib: false\nTag: {tag}\n".encode(), False))
        wheel_name = f"{name}-{version}-{tag}.whl"
        _write_wheel(Path(wheel_directory) / wheel_name, entries)
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    raise BuildError("no sdist: the wheel is built from a checkout of the repository "
                     "(pip wheel ./python, see README 'Python package')")
