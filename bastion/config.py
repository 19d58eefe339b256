"""One registry of settings: defaults < config file < environment < command-line flags.

Every setting has a name, a default, an env var (`BASTION_<NAME>`) and a help line; `bastion serve
--help` and docs/configuration.md are generated from this table, and unknown keys in the config
file are an error at start (fail fast).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from bastion.bus.pubsub import backend_kind
from bastion.config_sinks import EventSinkConfig, SinkConfigError, parse_event_sinks


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which taskset and container CPU
    sets narrow), else every core the machine has."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class ConfigError(ValueError):
    """A setting has a value that cannot work; the message says which and what to do."""


@dataclass
class Config:
    data_dir: Path = field(
        default=Path("bastion_data"), metadata={"help": "where the SQLite database and files live"}
    )
    database_url: str = field(
        default="", metadata={"help": "postgresql://… to use PostgreSQL instead of SQLite"}
    )
    db_connect_timeout: float = field(
        default=5.0, metadata={"help": "seconds to open a PostgreSQL connection before answering 503"}
    )
    db_acquire_timeout: float = field(
        default=10.0,
        metadata={
            "help": "seconds a request waits for a free PostgreSQL connection, or for SQLite's write "
            "lock (its busy timeout), before answering 503"
        },
    )
    db_statement_timeout: float = field(
        default=30.0,
        metadata={"help": "seconds one PostgreSQL statement may take before answering 503 (0: no limit)"},
    )
    db_pool_size: int = field(
        default=20,
        metadata={
            "help": "PostgreSQL connections each worker process keeps at most (size max_connections "
            "for pool size × workers × nodes, plus 3 a process for the leader lock and pub/sub)"
        },
    )
    db_pool_idle_timeout: float = field(
        default=300.0,
        metadata={
            "help": "seconds a PostgreSQL connection above the pool's two may stay unused before it "
            "is closed, so a peak's connections go back to the database"
        },
    )
    db_ready_timeout: float = field(
        default=2.0, metadata={"help": "seconds /api/ready waits for the database to answer a trivial query"}
    )
    http: str = field(
        default="127.0.0.1:8090",
        metadata={
            "help": "HOST:PORT to listen on; with https set, this address only redirects to https "
            "(off: no plain listener)"
        },
    )
    https: str = field(
        default="",
        metadata={
            "help": "HOST:PORT to serve HTTPS on (HTTP/2 by ALPN), with tls_cert and tls_key, or "
            "dev's self-signed certificate; see docs/protocols.md"
        },
    )
    tls_cert: str = field(
        default="",
        metadata={"help": "the certificate chain (PEM) served on https; reloaded when the file changes"},
    )
    tls_key: str = field(default="", metadata={"help": "the certificate's private key (PEM, unencrypted)"})
    hsts: bool = field(
        default=True,
        metadata={
            "help": "send Strict-Transport-Security on responses over https (default on; off with "
            "dev's self-signed certificate unless set)"
        },
    )
    http3: str = field(
        default="",
        metadata={
            "help": "HOST:PORT (UDP) to serve HTTP/3 on as well, with https's certificate (needs the "
            "`http3` extra; off by default); https answers then carry Alt-Svc; see docs/protocols.md"
        },
    )
    grpc: str = field(
        default="",
        metadata={
            "help": "HOST:PORT to serve the gRPC service bastion.v1.Records on (needs the `grpc` extra; "
            "off by default); see docs/protocols.md"
        },
    )
    grpc_max_message_bytes: int = field(
        default=4 << 20,
        metadata={"help": "the largest gRPC message the service reads or writes (bytes)"},
    )
    grpc_max_concurrent_rpcs: int = field(
        default=1000,
        metadata={
            "help": "gRPC calls (Subscribe streams included) a worker serves at once; more are "
            "refused with RESOURCE_EXHAUSTED"
        },
    )
    workers: int = field(
        default=0,
        metadata={"help": "worker processes; 0 (the default): one per core this process may use"},
    )
    log_level: str = field(default="info", metadata={"help": "debug, info, warning or error"})
    log_format: str = field(
        default="auto",
        metadata={
            "help": "json (one object per line), text (short lines for people), or auto: text when "
            "the log goes to a terminal, json otherwise"
        },
    )
    log_access: str = field(
        default="stderr",
        metadata={
            "help": "where the line per request goes: stderr (with the other logs), off, or a file path"
        },
    )
    hooks_dir: str = field(
        default="",
        metadata={
            "help": "the folder of Python hook files (*.py, loaded at start in name order; "
            "empty: bastion_hooks next to the data directory); see docs/hooks.md"
        },
    )
    dev: bool = field(
        default=False,
        metadata={
            "help": "development mode: reload the hook files in every worker when one changes; "
            "automigrate on unless set"
        },
    )
    migrations_dir: str = field(
        default="",
        metadata={
            "help": "the folder of Python migration files (<unix time>_<name>.py, applied in name "
            "order; empty: bastion_migrations next to the data directory); see docs/migrations.md"
        },
    )
    automigrate: str = field(
        default="auto",
        metadata={
            "help": "on: every collection change made through the API or the dashboard writes a "
            "migration file; off: never; auto: on with dev"
        },
    )
    allowed_origins: str = field(default="*", metadata={"help": "comma-separated CORS origins, * for any"})
    trusted_proxies: str = field(
        default="",
        metadata={"help": "comma-separated proxy IPs/CIDRs whose X-Forwarded-* headers are trusted"},
    )
    max_body_bytes: int = field(default=32 << 20, metadata={"help": "largest request body accepted"})
    ratelimit_redis_url: str = field(
        default="",
        metadata={
            "help": "redis://… to keep rate-limit counters, login lockouts and OAuth2 hand-offs in "
            "Redis (empty: as ratelimit_store says)"
        },
    )
    ratelimit_store: str = field(
        default="database",
        metadata={
            "help": "where rate-limit counters, login lockouts and OAuth2 hand-offs live without Redis: "
            "database (shared by every worker and node: an UNLOGGED table on PostgreSQL, "
            "ephemeral.db beside SQLite's data) or memory (each process on its own)"
        },
    )
    ratelimit_auth_baseline: bool = field(
        default=True, metadata={"help": "limit the auth routes while the settings' rateLimits are disabled"}
    )
    login_lockout_failures: int = field(
        default=5,
        metadata={
            "help": "failed password logins from one client that lock it out of an account (0: no lockout)"
        },
    )
    login_lockout_window: int = field(
        default=600, metadata={"help": "seconds in which the failures are counted"}
    )
    login_lockout_duration: int = field(default=600, metadata={"help": "seconds the client stays locked out"})
    request_log_buffer: int = field(
        default=10_000,
        metadata={"help": "request log rows held in memory for the writer; beyond it rows are dropped"},
    )
    jobs_concurrency: int = field(
        default=4,
        metadata={
            "help": "background jobs (docs/jobs.md) each worker process runs at once; 0: this "
            "process runs none (it still enqueues them and fires cron ticks)"
        },
    )
    jobs_claim_margin: float = field(
        default=15.0,
        metadata={
            "help": "seconds past a job's timeout before another process takes over a job whose runner "
            "died (a crash, kill -9); lower recovers sooner, but a runner slow to record an outcome "
            "may then see its job run twice"
        },
    )
    realtime_pubsub: str = field(
        default="memory",
        metadata={
            "help": "carries realtime events and subscription requests between processes: memory "
            "(one node: its workers share an embedded broker), redis://…, nats://…, or postgres "
            "(LISTEN/NOTIFY on the PostgreSQL data database)"
        },
    )
    realtime_max_clients_per_ip: int = field(
        default=500,
        metadata={
            "help": "realtime connections (SSE, WebSocket, long-poll clients) one address may hold per worker"
        },
    )
    realtime_max_subscriptions_per_ip: int = field(
        default=2000,
        metadata={"help": "realtime subscriptions all clients of one address may hold together per worker"},
    )
    realtime_max_filter_chars_per_ip: int = field(
        default=20_000,
        metadata={
            "help": "characters of subscription filters all clients of one address may hold per worker"
        },
    )
    realtime_poll_idle_timeout: float = field(
        default=60.0,
        metadata={"help": "seconds after its last poll when a long-polling client is forgotten"},
    )
    realtime_idle_timeout: float = field(
        default=300.0,
        metadata={
            "help": "seconds an SSE stream without events, or a WebSocket without client messages, "
            "stays open (clients reconnect)"
        },
    )
    metrics_token: str = field(
        default="",
        metadata={
            "help": "a bearer token that may read GET /metrics besides a superuser's token (for a "
            "Prometheus scraper: `Authorization: Bearer <token>`); empty: superusers only"
        },
    )
    shutdown_timeout: float = field(
        default=10.0, metadata={"help": "seconds to finish in-flight requests on SIGTERM"}
    )
    malloc_tuning: bool = field(
        default=True,
        metadata={
            "help": "serve with at most 2 glibc malloc arenas and blocks of 4 MiB and more always mmapped, so "
            "the 19 MiB each password hash takes goes back to the system (off: glibc's defaults; "
            "MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ set in the environment win either way)"
        },
    )
    mail_max_attempts: int = field(
        default=10,
        metadata={
            "help": "attempts at sending one verification, password-reset, OTP or sign-in alert mail "
            "before its job is dead (an OTP mail also stops when the OTP expires)"
        },
    )
    mail_retry_delay: float = field(
        default=10.0,
        metadata={
            "help": "seconds before a failed mail is retried; doubled after each retry (with "
            "jitter), at most an hour (30 s for OTP mails)"
        },
    )
    webhooks_timeout: float = field(
        default=10.0,
        metadata={
            "help": "seconds a webhook receiver has to answer one delivery attempt (then it is retried)"
        },
    )
    webhooks_max_attempts: int = field(
        default=10, metadata={"help": "attempts at delivering one event to one webhook before it is dead"}
    )
    webhooks_retry_delay: float = field(
        default=10.0,
        metadata={
            "help": "seconds before a failed webhook delivery is retried; doubled after each retry, at most an hour"
        },
    )
    webhooks_deliveries_max_days: int = field(
        default=7,
        metadata={
            "help": "days a webhook delivery attempt stays in _webhookDeliveries (trimmed with the "
            "logs' cleanup cron); 0 keeps them all"
        },
    )
    webhooks_allow_private: bool = field(
        default=False,
        metadata={
            "help": "deliver webhooks to private, loopback and link-local addresses too (off: such a "
            "URL's deliveries fail with the reason logged)"
        },
    )
    event_sinks: list[EventSinkConfig] = field(
        default_factory=list,
        metadata={
            "help": "message brokers that receive record events (RabbitMQ, NATS JetStream, Redis "
            "Streams): [[event_sinks]] tables with name, url, target, collections, events (env: a "
            "JSON array); see docs/event-sinks.md"
        },
    )

    def __post_init__(self) -> None:
        # Where each setting's value came from, as a user would name it: `--db`,
        # `BASTION_DATABASE_URL`, `database_url in bastion.toml` (filled by load_config).
        self._origins: dict[str, str] = {}

    def origin(self, name: str, default: str | None = None) -> str:
        """How the user set `name` (the flag, env var or file key), for messages about its value;
        `default` (else the setting's name) when it was not set."""
        return self._origins.get(name, name if default is None else default)

    @property
    def listen(self) -> str:
        """The HOST:PORT the app is served on: `https` when set, else `http`."""
        return self.https or self.http

    @property
    def host(self) -> str:
        """The app's address to bind, without the brackets of an IPv6 literal (`[::1]:8090`)."""
        return _host(self.listen)

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    @property
    def redirect_http(self) -> str | None:
        """The plain HOST:PORT that answers redirects to https (when both are served), else None."""
        if not self.https or self.http.strip().lower() in ("", "off"):
            return None
        return self.http

    @property
    def alt_svc(self) -> str:
        """The `Alt-Svc` value https answers carry: the HTTP/3 port for a day (browsers' usual
        cache), empty without HTTP/3."""
        return f'h3=":{self.http3.rsplit(":", 1)[1]}"; ma=86400' if self.http3 else ""

    @property
    def hooks_path(self) -> Path:
        """The hook files' folder: `hooks_dir`, else `bastion_hooks` beside the data directory
        (as PocketBase's pb_hooks beside pb_data)."""
        return Path(self.hooks_dir) if self.hooks_dir else self.data_dir.parent / "bastion_hooks"

    @property
    def migrations_path(self) -> Path:
        """The migration files' folder: `migrations_dir`, else `bastion_migrations` beside the
        data directory (as PocketBase's pb_migrations beside pb_data)."""
        return (
            Path(self.migrations_dir) if self.migrations_dir else self.data_dir.parent / "bastion_migrations"
        )

    @property
    def automigrates(self) -> bool:
        """Whether collection changes write migration files: `automigrate` on, or auto with dev."""
        value = self.automigrate.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        return self.dev

    @property
    def worker_count(self) -> int:
        """The worker processes `serve` starts: `workers`, or one per usable core when 0."""
        return self.workers or usable_cores()

    @property
    def base_url(self) -> str:
        """`http://host:port` for people to open on this machine: IPv6 in brackets, and a wildcard
        address (listening on every interface) as the loopback address, which a browser opens."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        scheme = "https" if self.https else "http"
        return f"{scheme}://[{host}]:{self.port}" if ":" in host else f"{scheme}://{host}:{self.port}"

    def validate(self) -> Config:
        http_off = self.http.strip().lower() in ("", "off")
        if http_off and not self.https:
            raise ConfigError(f"{self.origin('http')} = off needs https: something must be served")
        if not http_off:
            _check_address(self.http, self.origin("http"))
        if self.https:
            _check_address(self.https, self.origin("https"))
        if self.grpc:
            _check_address(self.grpc, self.origin("grpc"))
            if any(_host_port(self.grpc) == _host_port(a) for a in (self.https, self.http) if ":" in a):
                raise ConfigError(
                    f"{self.origin('grpc')} must differ from the HTTP addresses, got {self.grpc}"
                )
        if self.grpc_max_message_bytes < 1024 or self.grpc_max_concurrent_rpcs < 1:
            raise ConfigError(
                f"{self.origin('grpc_max_message_bytes')} must be at least 1024 and "
                f"{self.origin('grpc_max_concurrent_rpcs')} at least 1"
            )
        self._validate_tls()
        if self.database_url and not self.database_url.startswith(
            ("postgres://", "postgresql://", "sqlite:")
        ):
            raise ConfigError(f"{self.origin('database_url')} must start with postgresql:// (or sqlite:)")
        for name in ("db_connect_timeout", "db_acquire_timeout", "db_ready_timeout", "db_pool_idle_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{self.origin(name)} must be a positive number of seconds")
        if self.db_statement_timeout < 0:
            raise ConfigError(
                f"{self.origin('db_statement_timeout')} must be 0 (no limit) or a positive number of seconds"
            )
        if self.db_pool_size < 1:
            raise ConfigError(f"{self.origin('db_pool_size')} must be at least 1")
        if self.webhooks_timeout <= 0:
            raise ConfigError(f"{self.origin('webhooks_timeout')} must be a positive number of seconds")
        if self.webhooks_retry_delay < 0:
            raise ConfigError(f"{self.origin('webhooks_retry_delay')} must be 0 or more seconds")
        if self.webhooks_deliveries_max_days < 0:
            raise ConfigError(f"{self.origin('webhooks_deliveries_max_days')} must be 0 or more days")
        if self.webhooks_max_attempts < 1:
            raise ConfigError(f"{self.origin('webhooks_max_attempts')} must be at least 1")
        if self.mail_max_attempts < 1:
            raise ConfigError(f"{self.origin('mail_max_attempts')} must be at least 1")
        if self.mail_retry_delay < 0:
            raise ConfigError(f"{self.origin('mail_retry_delay')} must be 0 or more seconds")
        if self.automigrate.strip().lower() not in (
            "",
            "auto",
            "1",
            "0",
            "true",
            "false",
            "yes",
            "no",
            "on",
            "off",
        ):
            raise ConfigError(f"{self.origin('automigrate')} must be on, off or auto")
        if self.jobs_concurrency < 0:
            raise ConfigError(f"{self.origin('jobs_concurrency')} must be 0 or more")
        if self.jobs_claim_margin < 0:
            raise ConfigError(f"{self.origin('jobs_claim_margin')} must be 0 or more seconds")
        if self.request_log_buffer < 1:
            raise ConfigError(f"{self.origin('request_log_buffer')} must be at least 1")
        try:
            kind = backend_kind(self.realtime_pubsub)
        except ValueError:
            raise ConfigError(
                f"{self.origin('realtime_pubsub')} must be memory, redis://…, nats://… or postgres, "
                f"got {self.realtime_pubsub!r}"
            ) from None
        if kind == "postgres" and not self.database_url.startswith(("postgres://", "postgresql://")):
            raise ConfigError(f"{self.origin('realtime_pubsub')} = postgres needs a PostgreSQL database_url")
        if self.ratelimit_store not in ("database", "memory"):
            raise ConfigError(
                f"{self.origin('ratelimit_store')} must be database or memory, got {self.ratelimit_store!r}"
            )
        if self.workers < 0:
            raise ConfigError(f"{self.origin('workers')} must be 0 (one per core) or more")
        for name in ("realtime_max_clients_per_ip", "realtime_max_subscriptions_per_ip"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{self.origin(name)} must be at least 1")
        if self.realtime_max_filter_chars_per_ip < 0 or self.realtime_poll_idle_timeout <= 0:
            raise ConfigError(
                f"{self.origin('realtime_max_filter_chars_per_ip')} must be 0 or more and "
                f"{self.origin('realtime_poll_idle_timeout')} above 0"
            )
        if self.realtime_idle_timeout <= 0:
            raise ConfigError(f"{self.origin('realtime_idle_timeout')} must be a positive number of seconds")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise ConfigError(f"{self.origin('log_level')} must be one of debug, info, warning, error")
        if self.log_format not in ("auto", "json", "text"):
            raise ConfigError(f"{self.origin('log_format')} must be auto, json or text")
        if not self.log_access:
            raise ConfigError(f"{self.origin('log_access')} must be stderr, off or a file path")
        self.event_sinks = _sinks(self.event_sinks, self.origin("event_sinks"))
        return self

    def _validate_tls(self) -> None:
        if self.http3:
            _check_address(self.http3, self.origin("http3"))
            if not self.https:
                raise ConfigError(
                    f"{self.origin('http3')} needs https: HTTP/3 runs over QUIC, which is always TLS; "
                    "add --https HOST:PORT with its certificate (or --dev)"
                )
        if not self.https:
            for name in ("tls_cert", "tls_key"):
                if getattr(self, name):
                    raise ConfigError(
                        f"{self.origin(name)} is only used with https: add --https HOST:PORT "
                        "(env BASTION_HTTPS) or remove it"
                    )
            return
        if bool(self.tls_cert) != bool(self.tls_key):
            given, missing = ("tls_cert", "tls_key") if self.tls_cert else ("tls_key", "tls_cert")
            raise ConfigError(
                f"{self.origin(given)} needs {self.origin(missing, _FLAG_NAMES[missing])} too: "
                "give both the certificate and its private key"
            )
        if not self.tls_cert and not self.dev:
            raise ConfigError(
                f"{self.origin('https')} needs a certificate: give --tls-cert FILE and --tls-key FILE "
                "(env BASTION_TLS_CERT, BASTION_TLS_KEY), or --dev for a self-signed one for localhost"
            )
        if self.redirect_http and _host_port(self.http) == _host_port(self.https):
            raise ConfigError(
                f"{self.origin('http')} and {self.origin('https')} are the same address, {self.https}: "
                "give http another port, or http = off"
            )


# How a message names a setting the user did not set, to tell what to add.
_FLAG_NAMES = {"tls_cert": "--tls-cert", "tls_key": "--tls-key"}


def _host(address: str) -> str:
    return address.rsplit(":", 1)[0].strip("[]") or "127.0.0.1"


def _host_port(address: str) -> tuple[str, str]:
    return _host(address), address.rsplit(":", 1)[1]


def _check_address(address: str, origin: str) -> None:
    port = address.rsplit(":", 1)[1] if ":" in address else ""
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(
            f"{origin} must be HOST:PORT with a port from 1 to 65535, got {address!r} "
            "(for example 127.0.0.1:8090)"
        )


def _sinks(raw: Any, origin: str) -> list[EventSinkConfig]:
    try:
        return parse_event_sinks(raw, origin)
    except SinkConfigError as exc:
        raise ConfigError(str(exc)) from None


def _coerce(name: str, raw: Any, target: Any) -> Any:
    if isinstance(target, list):  # event_sinks: an array of tables, or JSON in the environment
        return _sinks(raw, name)
    if isinstance(target, bool):
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in ("1", "true", "yes", "on")
    if isinstance(target, int):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if isinstance(target, float):
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if isinstance(target, Path):
        return Path(str(raw))
    return str(raw)


def load_config(
    overrides: dict[str, Any] | None = None,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    flags: dict[str, str] | None = None,
) -> Config:
    """The settings from defaults, the file, the environment and `overrides` (command-line flags;
    `flags` names each one as typed, e.g. {"database_url": "--db"}, for error messages)."""
    env = os.environ if environ is None else environ
    cfg = Config()
    names = {f.name for f in fields(Config)}
    path = config_file or (Path(env["BASTION_CONFIG"]) if env.get("BASTION_CONFIG") else None)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        unknown = set(data) - names
        if unknown:
            raise ConfigError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        for k, v in data.items():
            cfg._origins[k] = f"{k} in {path}"
            setattr(cfg, k, _coerce(cfg._origins[k], v, getattr(cfg, k)))
    for name in names:
        key = f"BASTION_{name.upper()}"
        if key in env:
            cfg._origins[name] = key
            setattr(cfg, name, _coerce(key, env[key], getattr(cfg, name)))
    for k, v in (overrides or {}).items():
        if v is not None:
            cfg._origins[k] = (flags or {}).get(k, k)
            setattr(cfg, k, _coerce(cfg._origins[k], v, getattr(cfg, k)))
    return cfg.validate()


def describe() -> list[tuple[str, str, str, str]]:
    """(name, env var, default, help) for docs and `--help`."""
    return [
        (
            f.name,
            f"BASTION_{f.name.upper()}",
            _default(f.default, f.default_factory),
            f.metadata.get("help", ""),
        )
        for f in fields(Config)
    ]


def _default(value: Any, factory: Any) -> str:
    return str(factory() if value is MISSING and factory is not MISSING else value)
