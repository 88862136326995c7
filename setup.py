"""Only for the optional C validator; everything else is in pyproject.toml.

``protocol._jcs`` speeds up the verification of received entries (see protocol/verification
and docs/performance.md). It is optional: without a C compiler the build skips it and the
pure-Python path, which gives the same verdicts, is used.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "protocol._jcs",
            sources=["protocol/_jcs.c"],
            optional=True,
            extra_compile_args=["-O3", "-std=c99"],
        )
    ]
)
