# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures for the crypto interop tests: a PKI made by mkpki.sh, payload
files, and process cleanup by PID on every exit path."""
import os
import subprocess

import pytest

from tlsutil import HERE, Procs

MIB = 1 << 20
BIG = int(os.environ.get("ZDP_TLS_INTEROP_MIB", "100")) * MIB


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("pki"))
    subprocess.run(["sh", os.path.join(HERE, "mkpki.sh"), d], check=True,
                   stdout=subprocess.DEVNULL)
    return d


def _payload(d, name, size):
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, MIB)
            f.write(os.urandom(n))
            left -= n
    return path


@pytest.fixture(scope="session")
def big_file(tmp_path_factory):
    path = _payload(str(tmp_path_factory.mktemp("data")), "big.bin", BIG)
    yield path
    os.unlink(path)	# pytest keeps old temp dirs: do not leave 100 MiB behind


@pytest.fixture(scope="session")
def small_file(tmp_path_factory):
    path = _payload(str(tmp_path_factory.mktemp("data_small")), "small.bin", 8 * MIB)
    yield path
    os.unlink(path)


@pytest.fixture
def procs():
    p = Procs()
    try:
        yield p
    finally:
        p.cleanup()
