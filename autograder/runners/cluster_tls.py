"""TLS for grading on a cluster: the certificates (``autograder cluster certs DIR``) and Dask's ``Security``.

Dask's TLS is mutual: the scheduler accepts only peers whose certificate its
certificate authority signed, so a process without the files in ``DIR``
cannot connect, submit work or call ``run_on_scheduler``. One authority signs
one certificate that the scheduler, the workers and the coordinator all
present (Dask tells no roles apart by certificate, and checks no host
names); the authority's own key is thrown away once it has signed, so no
further certificate can ever be made for this cluster: run the command again
(into a new folder) to replace them all.

Files written into ``DIR`` (the key readable by its owner only):

* ``ca.pem``: the authority's certificate (``--tls-ca-file``);
* ``cluster.pem``: the certificate (``--tls-cert``);
* ``cluster-key.pem``: its private key (``--tls-key``).
"""
from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

CA, CERT, KEY = "ca.pem", "cluster.pem", "cluster-key.pem"
VALID_DAYS = 365


def make_certs(folder: Path, *, days: int = VALID_DAYS) -> list[Path]:
    """Write ``ca.pem``, ``cluster.pem`` and ``cluster-key.pem`` into ``folder``; refuse to overwrite them."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(folder)
    paths = [folder / CA, folder / CERT, folder / KEY]
    if existing := [p for p in paths if p.exists()]:
        raise FileExistsError(f"{', '.join(map(str, existing))} already exist: choose a new folder (certificates "
                              "are replaced all at once, on the scheduler, every worker and the coordinator)")
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=days)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "seqlabs grading cluster CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "seqlabs grading cluster")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))

    pem = serialization.Encoding.PEM
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    # The key is created 0600, never world-readable for an instant.
    fd = os.open(paths[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


def security(folder: Path) -> Any:
    """Dask's ``Security`` presenting the certificates in ``folder`` (as a client, a scheduler or a worker)."""
    from distributed.security import Security

    folder = Path(folder)
    missing = [name for name in (CA, CERT, KEY) if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"--tls {folder}: {', '.join(missing)} missing; make the certificates with "
                         f"`autograder cluster certs {folder}` and give the scheduler and workers the same files")
    ca, cert, key = (str((folder / name).resolve()) for name in (CA, CERT, KEY))
    return Security(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, tls_scheduler_cert=cert,
                    tls_scheduler_key=key, tls_worker_cert=cert, tls_worker_key=key, require_encryption=True)


def cli_options(folder: Path) -> list[str]:
    """The ``dask scheduler`` / ``dask worker`` options presenting the certificates in ``folder`` (as given)."""
    folder = Path(folder)
    return ["--tls-ca-file", str(folder / CA), "--tls-cert", str(folder / CERT), "--tls-key", str(folder / KEY)]


# The by-hand recipe (docs/instructor-guide.md, printed by `autograder cluster certs`): each command with
# the environment it needs. The scheduler serves no dashboard, and its HTTP routes (which it starts even
# with --no-dashboard, on every interface by default) listen on 127.0.0.1 only; one task per worker
# thread (worker saturation 1.0); no statistical profiler sampling the workers.
SCHEDULER_ENV = {"DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
WORKER_ENV = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
PORT = 8786


def scheduler_command(folder: Path, *, host: str, port: int = PORT) -> list[str]:
    """``dask scheduler`` with TLS on ``host:port``, no dashboard, its HTTP routes on 127.0.0.1 only."""
    return ["dask", "scheduler", "--protocol", "tls", "--host", host, "--port", str(port), "--no-dashboard",
            "--dashboard-address", "127.0.0.1:8787", *cli_options(folder)]


def worker_command(folder: Path, *, host: str, port: int = PORT, nworkers: int = 8) -> list[str]:
    """``dask worker`` for the scheduler at ``tls://host:port``: ``nworkers`` processes of one thread (kernel)."""
    return ["dask", "worker", f"tls://{host}:{port}", "--nworkers", str(nworkers), "--nthreads", "1",
            "--memory-limit", "0", "--no-dashboard", "--dashboard-address", "127.0.0.1:0", *cli_options(folder)]


def recipe(folder: Path, *, host: str, port: int = PORT) -> list[str]:
    """The three command lines, as a shell runs them (environment first; the last one without the lab,
    output folder and submissions that follow it)."""
    import shlex

    env = lambda e: " ".join(f"{k}={v}" for k, v in e.items())  # noqa: E731
    return [f"{env(SCHEDULER_ENV)} {shlex.join(scheduler_command(folder, host=host, port=port))}",
            f"{env(WORKER_ENV)} {shlex.join(worker_command(folder, host=host, port=port))}",
            f"autograder grade --scheduler tls://{host}:{port} --tls {shlex.quote(str(folder))}"]
