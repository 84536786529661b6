"""Builds certnn's Python package: the extension module certnn._certnn is built by the project's
CMake (target certnn_python, which links the static libcertnn), then copied into the package.

CERTNN_BUILD_DIR: an existing (or new) CMake build folder of the repository to build in, a
relative path taken from the repository root; the library objects already built there are
reused, so only the bindings compile. Without it, a build folder under setuptools' build_temp
is configured (Release, no tests, no benchmarks) and the whole library compiles once (through
ccache when it is installed). CERTNN_SOURCE_DIR: the repository root (default: the folder above
this file). CERTNN_BUILD_JOBS: parallel compile jobs (default 2).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
SOURCE = Path(os.environ.get("CERTNN_SOURCE_DIR", HERE.parent)).resolve()


def project_version() -> str:
    match = re.search(r"project\(certnn VERSION ([0-9.]+)", (SOURCE / "CMakeLists.txt").read_text())
    return match.group(1) if match else "0.0.0"


class CMakeExtension(Extension):
    def __init__(self, name: str):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        given = os.environ.get("CERTNN_BUILD_DIR")
        # A relative CERTNN_BUILD_DIR is taken from the repository root: pip runs this script in
        # python/, not where the user typed the command.
        build = (SOURCE / given).resolve() if given else Path(self.build_temp).resolve() / "cmake"
        # The interpreter's real path, not a venv's link to it: a build folder shared between
        # virtual environments of one Python then keeps its configuration and is not rebuilt.
        python = os.path.realpath(sys.executable)
        configure = ["cmake", "-S", str(SOURCE), "-B", str(build), "-DCERTNN_BUILD_PYTHON=ON",
                     f"-DPython3_EXECUTABLE={python}"]
        if not (build / "CMakeCache.txt").exists():
            configure += ["-DCMAKE_BUILD_TYPE=Release", "-DCERTNN_BUILD_TESTS=OFF", "-DCERTNN_BUILD_BENCH=OFF"]
            # Only for a new folder: a configured one keeps the pybind11 it found (another one
            # would change the include paths and recompile the bindings at every install).
            try:
                import pybind11

                configure.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
            except ImportError:
                pass  # CMake looks in its default places (Debian's pybind11-dev)
            if shutil.which("ninja"):
                configure += ["-G", "Ninja"]
            if shutil.which("ccache") and "CMAKE_CXX_COMPILER_LAUNCHER" not in os.environ:
                configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        jobs = os.environ.get("CERTNN_BUILD_JOBS", "2")
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", str(build), "--target", "certnn_python", "-j", jobs])
        built = sorted((build / "python").glob("_certnn*.so"), key=lambda p: p.stat().st_mtime)
        if not built:
            raise RuntimeError(f"the CMake build in {build} made no python/_certnn*.so")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


setup(
    name="certnn",
    version=project_version(),
    description="Sound bounds, complete verification, attacks and stability diagnostics for neural networks",
    long_description=(HERE / "README.md").read_text() if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    packages=find_packages(include=["certnn", "certnn.*"]),
    package_data={"certnn": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("certnn._certnn")],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy"],
    zip_safe=False,
)
