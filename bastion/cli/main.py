"""The `bastion` command line: serve, superuser.

The command line sits above every other layer. It imports the server (the App and the API, ~1.5 s
of imports) and granian inside the commands that run them, so `bastion --help` and a bad flag
answer at once.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import os
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any, TypeVar

import click

from bastion import __version__
from bastion.backups.backup_lock import ServeLock
from bastion.cli import data_commands
from bastion.cli.command_support import fail, progress_bar, run_on_data_dir
from bastion.cli.malloc_tuning import tune_malloc
from bastion.cli.serve_address import AddressClaim, AddressError, claim_address
from bastion.cli.tls_files import TlsFileError, TlsFiles, check_pair, dev_certificate
from bastion.config import Config, ConfigError, load_config
from bastion.obs import metrics_dir

_DIR_HELP = "data directory (default ./bastion_data; env BASTION_DATA_DIR)"
_DB_HELP = (
    "database URL, e.g. postgresql://user@host:5432/db (env BASTION_DATABASE_URL; default: SQLite in --dir)"
)
T = TypeVar("T")
# How each flag is spelled, so a message about a bad value names what the user typed.
_FLAGS = {
    "http": "--http",
    "https": "--https",
    "tls_cert": "--tls-cert",
    "tls_key": "--tls-key",
    "http3": "--http3",
    "grpc": "--grpc",
    "data_dir": "--dir",
    "database_url": "--db",
    "workers": "--workers",
    "log_level": "--log-level",
    "log_format": "--log-format",
    "log_access": "--log-access",
    "hooks_dir": "--hooksDir",
    "dev": "--dev",
    "migrations_dir": "--migrationsDir",
    "automigrate": "--automigrate",
}


def _config(**overrides: Any) -> Config:
    try:
        return load_config({k: v for k, v in overrides.items() if v is not None}, flags=_FLAGS)
    except ConfigError as exc:
        fail(str(exc), code=2)  # a usage error, as click's own


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="bastion")
def main() -> None:
    """Bastion: a backend in one command (REST API, auth, rules, realtime), PocketBase-compatible.

    Start with `bastion serve`, then create a superuser with `bastion superuser upsert EMAIL PASSWORD`.
    """


@main.command()
@click.option(
    "--http",
    "http",
    metavar="HOST:PORT",
    help="address to listen on (default 127.0.0.1:8090); with --https, it redirects to https (off: none)",
)
@click.option(
    "--https",
    "https",
    metavar="HOST:PORT",
    help="serve HTTPS (and HTTP/2) here, with --tls-cert and --tls-key, or --dev's self-signed certificate",
)
@click.option("--tls-cert", "tls_cert", metavar="FILE", help="certificate chain (PEM) for --https")
@click.option("--tls-key", "tls_key", metavar="FILE", help="private key (PEM) of --tls-cert")
@click.option(
    "--http3",
    "http3",
    metavar="HOST:PORT",
    help="also serve HTTP/3 (QUIC, UDP) here with --https's certificate (needs: pip install 'bastion[http3]')",
)
@click.option(
    "--grpc",
    "grpc",
    metavar="HOST:PORT",
    help="also serve the gRPC service bastion.v1.Records here (needs: pip install 'bastion[grpc]')",
)
@click.option("--dir", "data_dir", type=click.Path(path_type=Path), help=_DIR_HELP)
@click.option("--db", "database_url", metavar="URL", help=_DB_HELP)
@click.option(
    "--workers",
    type=int,
    help="worker processes (default: one per usable core; env BASTION_WORKERS; 0: the default)",
)
@click.option("--log-level", metavar="LEVEL", help="debug, info, warning or error (default info)")
@click.option(
    "--log-format",
    type=click.Choice(["auto", "json", "text"]),
    help="auto (default): short text lines in a terminal, JSON lines otherwise",
)
@click.option(
    "--log-access", metavar="WHERE", help="the line per request: stderr (default), off, or a file path"
)
@click.option(
    "--hooksDir",
    "hooks_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="the Python hook files (default: bastion_hooks next to --dir; env BASTION_HOOKS_DIR)",
)
@click.option(
    "--dev", is_flag=True, default=None, help="development mode: reload the hook files on change, automigrate"
)
@click.option(
    "--migrationsDir",
    "migrations_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="the migration files, applied at start (default: bastion_migrations next to --dir)",
)
@click.option(
    "--automigrate/--no-automigrate",
    default=None,
    help="write a migration file for every collection change made through the API (default: on with --dev)",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, exists=True),
    help="TOML config file (env BASTION_CONFIG)",
)
def serve(
    http: str | None,
    https: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    http3: str | None,
    grpc: str | None,
    data_dir: Path | None,
    database_url: str | None,
    workers: int | None,
    log_level: str | None,
    log_format: str | None,
    log_access: str | None,
    hooks_dir: Path | None,
    dev: bool | None,
    migrations_dir: Path | None,
    automigrate: bool | None,
    config_file: Path | None,
) -> None:
    """Start the HTTP server."""
    if config_file is not None:
        os.environ["BASTION_CONFIG"] = str(config_file)
    cfg = _config(
        http=http,
        https=https,
        tls_cert=tls_cert,
        tls_key=tls_key,
        http3=http3,
        grpc=grpc,
        data_dir=data_dir,
        database_url=database_url,
        workers=workers,
        log_level=log_level,
        log_format=log_format,
        log_access=log_access,
        hooks_dir=hooks_dir,
        dev=dev,
        migrations_dir=migrations_dir,
        automigrate=None if automigrate is None else ("on" if automigrate else "off"),
    )
    if cfg.malloc_tuning:
        tune_malloc()  # before any thread or worker exists: see the module
    if cfg.http3:  # before --dev makes its certificate: a refused start leaves nothing behind
        _require_http3(cfg)
    tls = _tls_files(cfg)  # before binding anything: a bad certificate is one line
    if cfg.grpc:
        _require_grpc(cfg)
    try:
        # The address first: a second server on a busy port stops before touching any database.
        claim = _claim(cfg, "https" if cfg.https else "http")
        redirect = _claim(cfg, "http") if cfg.redirect_http else None
        grpc_claim = _claim(cfg, "grpc") if cfg.grpc else None
    except AddressError as exc:
        fail(str(exc))
    if cfg.http3:
        _check_http3_address(cfg)
    _check_access_log(cfg)
    serving = ServeLock(cfg.data_dir)  # held while serving; released by exit or exec
    existed = cfg.data_dir.is_dir()
    if existed and not serving.try_shared():
        fail(
            f"a backup is being restored into {cfg.data_dir} (bastion backup restore): start once it is done"
        )
    metrics_dir.prepare()  # the workers' shared metrics, named before prometheus-client is imported
    link = _with_database(cfg, _prepare)  # create/upgrade the schema once, before the workers start
    if not existed:
        serving.try_shared()  # the directory was just made: nothing can be restoring into it
    _export_for_workers(cfg)
    _print_banner(cfg, link)
    from bastion.bus.broker_launch import embedded_broker  # the server's modules: see the docstring

    try:
        # the workers' realtime pub/sub on one node, when several share it (bastion/bus/broker.py)
        # the HTTP/3 listener is one more process whose realtime clients must see every event
        processes = cfg.worker_count + (1 if cfg.http3 else 0)
        with embedded_broker(cfg.data_dir, cfg.port, processes, cfg.realtime_pubsub):
            restart = _run_granian(cfg, claim.ip, tls, redirect)
    finally:
        claim.close()
        if redirect is not None:
            redirect.close()
        if grpc_claim is not None:
            grpc_claim.close()
    if restart:
        # A worker restored a backup (POST /api/backups/{key}/restore): every worker has stopped;
        # start again as PocketBase does, the same command in this same process, so the
        # restored database is upgraded once and every worker opens it.
        click.echo("Backup restored: restarting the server on the restored data.", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, sys.orig_argv)


def _require_grpc(cfg: Config) -> None:
    """`--grpc` needs the optional grpcio packages: say how to get them, before anything starts.
    Looked up, not imported: the workers import grpcio when they serve, and this process, which
    starts them, is better without grpcio's state."""
    for module in ("grpc", "grpc_reflection"):
        if importlib.util.find_spec(module) is None:
            fail(
                f"{cfg.origin('grpc')} needs grpcio and grpcio-reflection ({module} is not installed): "
                "pip install 'bastion[grpc]' (or: uv pip install grpcio grpcio-reflection)"
            )


def _require_http3(cfg: Config) -> None:
    """`--http3` needs the optional hypercorn and aioquic: say how to get them, before anything starts."""
    from bastion.cli.http3_listener import missing_package

    module = missing_package()
    if module is not None:
        fail(
            f"{cfg.origin('http3')} needs hypercorn and aioquic ({module} is not installed): "
            "pip install 'bastion[http3]' (or: uv pip install aioquic hypercorn)"
        )


def _check_http3_address(cfg: Config) -> None:
    from bastion.cli.http3_listener import check_udp_free

    host, port = cfg.http3.rsplit(":", 1)
    try:
        check_udp_free(host.strip("[]") or "127.0.0.1", int(port))
    except OSError as exc:
        fail(f"cannot listen on {cfg.http3} ({cfg.origin('http3')}, UDP): {exc.strerror or exc}")


def _tls_files(cfg: Config) -> TlsFiles | None:
    """The certificate and key to serve (checked, or `--dev`'s made), None without https; the
    settings then name the files the workers are to read (absolute)."""
    if not cfg.https:
        return None
    try:
        if cfg.tls_cert:
            files = TlsFiles(Path(cfg.tls_cert).resolve(), Path(cfg.tls_key).resolve())
            check_pair(files.cert, files.key, cfg.origin("tls_cert"), cfg.origin("tls_key"))
        else:
            files = dev_certificate(cfg.data_dir)
    except TlsFileError as exc:
        fail(str(exc))
    cfg.tls_cert, cfg.tls_key = str(files.cert.resolve()), str(files.key.resolve())
    if files.self_signed and not cfg.origin("hsts", ""):
        # HSTS pins a host name for every port: localhost would refuse plain http for a year
        cfg.hsts = False
    return files


def _claim(cfg: Config, name: str) -> AddressClaim:
    address, named = getattr(cfg, name), cfg.origin(name, "")
    host, port = address.rsplit(":", 1)
    return claim_address(
        host.strip("[]") or "127.0.0.1", int(port), f"{address} ({named})" if named else address
    )


def _with_database(cfg: Config, work: Callable[[Config], Coroutine[Any, Any, T]]) -> T:
    """Run `work(cfg)` once the data directory is usable (failures: one line, exit 1)."""
    return run_on_data_dir(cfg, lambda: work(cfg))


def _check_access_log(cfg: Config) -> None:
    if cfg.log_access in ("stderr", "off"):
        return
    path = Path(cfg.log_access).resolve()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        fail(f"cannot write the access log {path} ({cfg.origin('log_access')}): {exc.strerror or exc}")
    cfg.log_access = str(path)  # workers may not share this process's working directory


def _export_for_workers(cfg: Config) -> None:
    """Workers are separate processes that rebuild the config from the environment."""
    from bastion.api.server import SERVE_PID_VARIABLE  # the server's modules: see the docstring

    os.environ.update(
        {
            SERVE_PID_VARIABLE: str(os.getpid()),
            "BASTION_HTTP": cfg.http,
            "BASTION_HTTPS": cfg.https,
            "BASTION_TLS_CERT": cfg.tls_cert,
            "BASTION_TLS_KEY": cfg.tls_key,
            "BASTION_HTTP3": cfg.http3,
            "BASTION_GRPC": cfg.grpc,
            "BASTION_HSTS": "1" if cfg.hsts else "",
            "BASTION_DATA_DIR": str(cfg.data_dir.resolve()),
            "BASTION_DATABASE_URL": cfg.database_url,
            "BASTION_WORKERS": str(cfg.worker_count),
            "BASTION_LOG_LEVEL": cfg.log_level,
            "BASTION_LOG_FORMAT": cfg.log_format,
            "BASTION_LOG_ACCESS": cfg.log_access,
            "BASTION_HOOKS_DIR": str(cfg.hooks_path.resolve()),
            "BASTION_DEV": "1" if cfg.dev else "",
            "BASTION_MIGRATIONS_DIR": str(cfg.migrations_path.resolve()),
            "BASTION_AUTOMIGRATE": "on" if cfg.automigrates else "off",
        }
    )


def _print_banner(cfg: Config, installer_link: str | None) -> None:
    base = cfg.base_url
    lines = [
        f"Bastion {__version__} serving {base} ({_plural(cfg.worker_count, 'worker')})",
        f"  REST API:  {base}/api/",
        f"  Dashboard: {base}/_/",
    ]
    if cfg.redirect_http:
        lines.append(f"  http://{cfg.redirect_http} redirects to https")
    if cfg.http3:
        lines.append(f"  HTTP/3:    udp {cfg.http3} (advertised by Alt-Svc on the https answers)")
    if cfg.grpc:
        lines.append(f"  gRPC:      {cfg.grpc} (bastion.v1.Records, with reflection; every worker)")
    if installer_link:
        lines += [
            "",
            "(!) There is no superuser yet. Open this link in a browser within 30 minutes to create the first one:",
            installer_link,
            f"(or from a shell: {sys.argv[0]} superuser upsert EMAIL PASSWORD)",
            "",
        ]
    click.echo("\n".join(lines), err=True)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _run_granian(cfg: Config, ip: str, tls: TlsFiles | None, redirect: AddressClaim | None) -> bool:
    """Serve until stopped; True when a worker asked for a restart (a backup was restored)."""
    from granian import Granian  # only `serve` needs it: see the docstring
    from granian.constants import Interfaces, Loops, SSLProtocols
    from granian.log import LogLevels

    tls_options: dict[str, Any] = {}
    if tls is not None:
        # granian's default minimum is TLS 1.3; 1.2 still serves older clients (Java 8, old curl)
        tls_options = {"ssl_cert": tls.cert, "ssl_key": tls.key, "ssl_protocol_min": SSLProtocols.tls12}
    server = Granian(
        "bastion.api.server:create",
        factory=True,
        address=ip,
        port=cfg.port,
        interface=Interfaces.ASGI,
        workers=cfg.worker_count,
        loop=Loops.uvloop,
        backlog=4096,
        backpressure=16384,
        log_access=False,
        log_level=LogLevels.warning,
        workers_kill_timeout=int(cfg.shutdown_timeout),
        # A worker that dies (killed by the OOM killer, a crash in an extension) is replaced;
        # without this granian stops the whole server when one worker exits.
        respawn_failed_workers=True,
        **tls_options,
    )
    from bastion.api.server import RESTART_SIGNAL

    restart: list[bool] = []

    def restart_requested(_signum: int, _frame: object) -> None:
        restart.append(True)
        # granian stops every worker, gracefully, and returns
        server.signal_handler_interrupt()  # type: ignore[no-untyped-call]  # granian leaves it untyped

    signal.signal(RESTART_SIGNAL, restart_requested)  # granian handles INT, TERM and HUP only
    # The workers are forked from this process and share the pages of everything imported and
    # built so far; a worker's garbage collector would write to each of those objects (their GC
    # headers) and so copy every page it visits. Frozen, the collector leaves them alone.
    gc.collect()
    gc.freeze()
    with _tls_side(cfg, server, tls, redirect):
        try:
            server.serve()
        except (OSError, ValueError) as exc:  # the bind, should it fail after the claim's probe
            fail(f"cannot listen on {cfg.listen}: {getattr(exc, 'strerror', None) or exc}")
        except SystemExit:
            if not restart:  # granian exits 1 when a worker had died; a restart goes on regardless
                raise
    return bool(restart)


@contextlib.contextmanager
def _tls_side(
    cfg: Config, server: Any, tls: TlsFiles | None, redirect: AddressClaim | None
) -> Iterator[None]:
    """What runs beside granian when it serves TLS: the plain listener's redirects, the HTTP/3
    listener's process, and the watch that reloads the workers when the certificate files change
    (granian's SIGHUP: new workers start, then the old ones finish their requests and stop; the
    HTTP/3 process is restarted); SIGHUP checks the files first."""
    if tls is None:
        yield
        return
    from bastion.cli.http3_listener import Http3Listener
    from bastion.cli.https_redirect import HttpsRedirect
    from bastion.cli.tls_files import watch_for_changes

    redirector = None
    if redirect is not None:
        try:
            redirector = HttpsRedirect(redirect.ip, int(cfg.http.rsplit(":", 1)[1]), cfg.host, cfg.port)
        except OSError as exc:
            fail(f"cannot listen on {cfg.http}: {exc.strerror or exc}")
        redirector.start()
    stop = threading.Event()

    def report(line: str) -> None:
        click.echo(line, err=True)

    http3 = Http3Listener(cfg.http3, report, cfg.shutdown_timeout) if cfg.http3 else None
    if http3 is not None:
        http3.start()

    def reload() -> None:
        server.signal_handler_reload()
        if http3 is not None:  # hypercorn reads the files once: a new process reads the new pair
            http3.restart()

    watch_for_changes(tls, reload, report, stop)

    def checked_reload(_signum: int, _frame: object) -> None:
        try:  # new workers could not start on a bad pair: keep the ones serving the old one
            check_pair(tls.cert, tls.key)
        except TlsFileError as exc:
            report(f"SIGHUP: the workers keep serving the previous certificate: {exc}")
            return
        reload()

    # granian installs its own SIGHUP handler as it starts, then calls the startup hooks
    server.on_startup(lambda: signal.signal(signal.SIGHUP, checked_reload))
    try:
        yield
    finally:
        stop.set()
        if redirector is not None:
            redirector.close()
        if http3 is not None:
            http3.close()


async def _prepare(cfg: Config) -> str | None:
    """Open (create, upgrade) the database once; the first-superuser link when there is none."""
    from bastion import migrations
    from bastion.api.installer import installer_link  # the server's modules: see the docstring
    from bastion.app import App

    app = App(cfg)
    try:
        await app.start()
        try:  # the pending migration files, before any worker serves (as PocketBase)
            await migrations.up(app, cfg.migrations_path)
        except migrations.MigrationError as exc:
            raise ValueError(f"{exc}; the server was not started") from None
        app.backups.remove_leftovers()  # a restore's previous data, now that the start succeeded
        return await installer_link(app, cfg.base_url)
    finally:
        await app.stop()


@main.group()
def superuser() -> None:
    """Manage superusers (the `_superusers` auth collection)."""


def _superuser_options(f: Any) -> Any:
    f = click.option("--db", "database_url", metavar="URL", help=_DB_HELP)(f)
    return click.option("--dir", "data_dir", type=click.Path(path_type=Path), help=_DIR_HELP)(f)


@superuser.command("upsert")
@click.argument("email")
@click.argument("password")
@_superuser_options
def superuser_upsert(email: str, password: str, data_dir: Path | None, database_url: str | None) -> None:
    """Create a superuser, or set the password of an existing one."""
    cfg = _config(data_dir=data_dir, database_url=database_url)
    from bastion.cli.superusers import upsert_superuser  # the server's modules: see the docstring

    created = _with_database(cfg, lambda c: upsert_superuser(c, email, password))
    click.echo(f'Successfully {"created" if created else "updated"} superuser "{email}".')


@superuser.command("delete")
@click.argument("email")
@_superuser_options
def superuser_delete(email: str, data_dir: Path | None, database_url: str | None) -> None:
    """Delete a superuser by email."""
    cfg = _config(data_dir=data_dir, database_url=database_url)
    from bastion.cli.superusers import delete_superuser  # the server's modules: see the docstring

    if not _with_database(cfg, lambda c: delete_superuser(c, email)):
        click.echo(f"Error: no superuser with email {email!r}.", err=True)
        sys.exit(1)
    click.echo(f'Successfully deleted superuser "{email}".')


@main.group()
def backup() -> None:
    """Back up and restore the data directory (as /api/backups and the dashboard's Backups page).

    Backups are zip files in <data dir>/backups (or the settings' backups.s3 bucket): the
    databases (SQLite copies, or a pg_dump of Bastion's PostgreSQL schema) and the stored files.
    See Backups in docs/operations.md.
    """


@backup.command("create")
@click.argument("name", required=False)
@_superuser_options
def backup_create(name: str | None, data_dir: Path | None, database_url: str | None) -> None:
    """Write a backup; NAME like `nightly.zip` (default pb_backup_<app>_<UTC time>.zip).

    Runs alongside a running server: writers are not stopped.
    """
    cfg = _config(data_dir=data_dir, database_url=database_url)
    from bastion.cli.backups import create_backup  # the server's modules: see the docstring

    with progress_bar("Backing up", in_bytes=True) as progress:
        made, where = _with_database(cfg, lambda c: _backup_errors(create_backup(c, name, progress)))
    click.echo(f'Created backup "{made}" in {where}.')


@backup.command("list")
@_superuser_options
def backup_list(data_dir: Path | None, database_url: str | None) -> None:
    """List the backups the server would list: name, size and time (UTC), oldest first.

    From the settings' backups.s3 bucket while it is enabled, else from <data dir>/backups; the
    first line says which."""
    cfg = _config(data_dir=data_dir, database_url=database_url)
    if not cfg.database_url and not cfg.data_dir.is_dir():
        click.echo(f"No backups in {cfg.data_dir / 'backups'}.")  # nothing to create for a listing
        return
    from bastion.cli.backups import list_backups  # the server's modules: see the docstring

    found, where = _with_database(cfg, lambda c: _backup_errors(list_backups(c)))
    if not found:
        click.echo(f"No backups in {where}.")
        return
    click.echo(f"Backups in {where}:")
    width = max(len(b.key) for b in found)
    for b in found:
        when = b.modified.astimezone(UTC)
        click.echo(f"{b.key:<{width}}  {_size(b.size):>9}  {when:%Y-%m-%d %H:%M:%S} UTC")


@backup.command("restore")
@click.argument("key")
@_superuser_options
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def backup_restore(key: str, data_dir: Path | None, database_url: str | None, yes: bool) -> None:
    """Replace the data (and the PostgreSQL schema) with the backup KEY.

    Only while no `bastion serve` runs on the data directory (to restore on a running server,
    use the dashboard or POST /api/backups/KEY/restore, which restarts it). The previous content
    is kept aside until the restored data has opened, then removed.
    """
    cfg = _config(data_dir=data_dir, database_url=database_url)
    lock = ServeLock(cfg.data_dir)
    if not cfg.data_dir.is_dir():
        fail(f"no data directory {cfg.data_dir}")
    if not lock.try_exclusive():
        fail(
            f"a Bastion server is running on {cfg.data_dir}: stop it first, or restore from the "
            f"dashboard (POST /api/backups/{key}/restore restarts the server)"
        )
    try:
        if not yes:
            click.confirm(f"Replace the data in {cfg.data_dir} with the backup {key}?", abort=True)
        from bastion.cli.backups import restore_backup  # the server's modules: see the docstring

        with progress_bar("Unpacking", in_bytes=True) as progress:
            _with_database(cfg, lambda c: _backup_errors(restore_backup(c, key, progress)))
    finally:
        lock.release()
    click.echo(f'Restored backup "{key}" into {cfg.data_dir}.')


async def _backup_errors(work: Coroutine[Any, Any, T]) -> T:
    """What the backups refuse becomes one line (ValueError: _with_database's `Error: …`)."""
    from bastion.backups import BackupBusy, BackupFailed, BackupStoreError, RestoreError

    try:
        return await work
    except BackupBusy:
        raise ValueError("another backup or restore is running on this data directory") from None
    except (BackupFailed, BackupStoreError, RestoreError) as exc:
        raise ValueError(str(exc)) from None


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f} {unit}"


from bastion.cli.migrate_commands import migrate  # noqa: E402 - its own module, registered here

main.add_command(migrate)
for _command in data_commands.COMMANDS:  # export, import, import-pocketbase
    main.add_command(_command)


if __name__ == "__main__":
    main()
