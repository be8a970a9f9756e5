"""Package metadata lives in setup.cfg; this file adds one build step.

The translation catalogues are compiled (messages.po -> messages.mo) into the build directory,
so a wheel ships them ready to read and neither the build nor the app writes into the source tree.
A checkout gets its compiled catalogues from scripts/setup.sh instead.
"""
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout, compiled by scripts/setup.sh
            return
        translations = Path(self.build_lib) / "webapp" / "translations"
        # Same command and flags as scripts/setup.sh (--use-fuzzy: see there).
        if CommandLineInterface().run(["pybabel", "-q", "compile", "--use-fuzzy", "-d", str(translations)]):
            raise SystemExit("compiling the translation catalogues failed (errors above)")


setup(cmdclass={"build_py": BuildPyWithCatalogs})
