"""The real LiteLLM proxy with a real, throwaway PostgreSQL and a fake OpenAI upstream, all on 127.0.0.1.

Used by the pytest fixture ``litellm_proxy`` (tests/integration/litellm/conftest.py) and by the CLI
``litellm-local.sh start|stop|env|status``. Standard library only, so any python3 can run it.

What ``LiteLLMProxy.start()`` does:

1. ``install.sh VERSION`` (cached under $CACHE_ROOT): Debian postgresql, the shim's node modules,
   a venv with the pinned ``litellm[proxy]`` and prisma-client-py 0.11.0 with its client generated offline.
2. A PostgreSQL cluster in a fresh temp dir: a copy of a cached, already migrated cluster (built once per
   LiteLLM version with ``initdb`` + psql over litellm_proxy_extras' SQL migrations), listening on
   127.0.0.1 and a free port, its unix socket inside the temp dir. As root it runs as the ``postgres`` user.
3. ``fake_openai.py`` on a free 127.0.0.1 port.
4. ``litellm`` on a free 127.0.0.1 port, with random master and salt keys, STORE_MODEL_IN_DB, and the
   Prisma WASM shim as its query engine; then waits for ``/health/readiness`` to report the DB connected.

``stop()`` kills each process group by the PIDs it recorded, checks that none is left and removes the
temp dir. Start-up time and log locations go to stderr.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_VERSION = "1.108.7"
PG_USER = "litellm"
PG_DB = "litellm"
STATE = "state.json"
CONFIG_MODEL = "harness-config-model"  # the one model defined in config.yaml


def log(msg: str) -> None:
    print(f"litellm-harness: {msg}", file=sys.stderr, flush=True)


def cache_root() -> Path:
    """Same rule as tests/harness/common.sh."""
    if os.environ.get("RHPDS_LITEMAAS_CACHE"):
        return Path(os.environ["RHPDS_LITEMAAS_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "rhpds-litemaas"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_on_a_free_port(start, logfile: Path, taken_message: bytes, tries: int = 3):
    """start(port) with a port that was free when chosen. Another process (a test session running beside this one)
    can bind it first; when start fails and what it added to logfile says so (taken_message), try another port."""
    for attempt in range(tries):
        log_start = logfile.stat().st_size if logfile.exists() else 0
        try:
            return start(free_port())
        except HarnessError:
            with open(logfile, "rb") as log_fd:
                log_fd.seek(log_start)
                taken = taken_message in log_fd.read()
            if attempt == tries - 1 or not taken:
                raise


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(what: str, timeout: float, check, proc: subprocess.Popen | None = None, logfile: Path | None = None):
    """Poll check() until it returns a truthy value; fail early if proc exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (OSError, ValueError, urllib.error.URLError):
            pass
        if proc is not None and proc.poll() is not None:
            raise HarnessError(f"{what}: process exited with {proc.returncode}" + tail(logfile))
        if time.monotonic() > deadline:
            raise HarnessError(f"timed out after {timeout:.0f}s waiting for {what}" + tail(logfile))
        time.sleep(0.25)


def tail(path: Path | None, lines: int = 40) -> str:
    if not path or not Path(path).exists():
        return ""
    text = Path(path).read_text(errors="replace").splitlines()[-lines:]
    return f"\n--- last lines of {path}:\n" + "\n".join(text)


class HarnessError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------------ processes
def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped by its parent) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    """True while any non-zombie process of process group pgid exists."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kill_group(pgid: int, marker: str, first_signal=signal.SIGTERM, grace: float = 15.0) -> None:
    """Stop process group pgid (its leader was started with start_new_session) if its leader's command line
    still contains marker (protects against a recycled PID); SIGKILL whatever is left after grace seconds."""
    if pid_alive(pgid) and marker not in cmdline(pgid):
        return  # not ours any more
    if not group_alive(pgid):
        return
    try:
        os.killpg(pgid, first_signal)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while group_alive(pgid) and time.monotonic() < deadline:
        _reap(pgid)
        time.sleep(0.1)
    if group_alive(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 5
        while group_alive(pgid) and time.monotonic() < deadline:
            _reap(pgid)
            time.sleep(0.1)
    _reap(pgid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def as_user_kwargs() -> dict:
    """PostgreSQL refuses to run as root: run it as the unprivileged `postgres` (or `nobody`) user then."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    raise HarnessError("running as root but there is no `postgres` or `nobody` user to run PostgreSQL as")


def chown_tree(path: Path, kwargs: dict) -> None:
    if not kwargs:
        return
    uid, gid = kwargs["user"], kwargs["group"]
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), uid, gid)


def run(cmd, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kw)
    except subprocess.TimeoutExpired as e:
        raise HarnessError(f"timed out after {timeout}s: {' '.join(map(str, cmd))}") from e
    if r.returncode != 0:
        raise HarnessError(f"failed ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stdout}\n{r.stderr}")
    return r


# ------------------------------------------------------------------------------------------ install
def install(version: str) -> dict:
    """Run install.sh (cached, fast when warm) and return its KEY=VALUE output."""
    r = subprocess.run(["bash", str(HERE / "install.sh"), version], stdout=subprocess.PIPE, text=True, timeout=3600,
                       check=False)
    if r.returncode != 0:
        raise HarnessError(f"install.sh {version} failed with {r.returncode} (see its output above)")
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


# ------------------------------------------------------------------------------------------ postgres
class Postgres:
    """A throwaway PostgreSQL cluster in `workdir` (data, socket and log all inside it), on 127.0.0.1:port."""

    def __init__(self, workdir: Path, pg_bin: Path):
        self.workdir = Path(workdir)
        self.pg_bin = Path(pg_bin)
        self.datadir = self.workdir / "pgdata"
        self.sockdir = self.workdir / "pgsock"
        self.logfile = self.workdir / "postgres.log"
        self.port: int | None = None
        self.pid: int | None = None
        self.password = secrets.token_hex(16)
        self.runas = as_user_kwargs()

    # ---- cluster creation
    def initdb(self) -> None:
        self.datadir.mkdir(mode=0o700)
        chown_tree(self.datadir, self.runas)
        run([self.pg_bin / "initdb", "-D", self.datadir, "-U", PG_USER, "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync"], timeout=120, cwd="/", **self.runas)

    def copy_from(self, template: Path) -> None:
        # cp -a keeps ownership (the template is owned by the user postgres runs as)
        run(["cp", "-a", str(template), str(self.datadir)], timeout=120)
        (self.datadir / ".complete").unlink(missing_ok=True)
        chown_tree(self.datadir, self.runas)  # e.g. cache built by another user id
        os.chmod(self.datadir, 0o700)

    # ---- server
    def start(self, timeout: float = 60) -> None:
        self.sockdir.mkdir(mode=0o700, exist_ok=True)
        chown_tree(self.sockdir, self.runas)
        start_on_a_free_port(lambda port: self._start_on(port, timeout), self.logfile, b"could not bind")

    def _start_on(self, port: int, timeout: float) -> None:
        self.port = port
        log_fd = open(self.logfile, "ab")
        cmd = [str(self.pg_bin / "postgres"), "-D", str(self.datadir), "-p", str(self.port),
               "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.sockdir}",
               # a test database: durability off, speed on
               "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
               "-c", "max_connections=200", "-c", "log_min_messages=warning"]
        proc = subprocess.Popen(cmd, stdout=log_fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd="/", start_new_session=True, **self.runas)
        log_fd.close()
        self.pid = proc.pid
        (self.workdir / "postgres.pid").write_text(str(proc.pid))
        try:
            wait_until(f"PostgreSQL on 127.0.0.1:{self.port}", timeout, self.psql_ok, proc=proc, logfile=self.logfile)
        except HarnessError:
            self.stop()
            raise

    def psql_ok(self) -> bool:
        return subprocess.run(self.psql_cmd("postgres") + ["-c", "select 1"], capture_output=True,
                              timeout=10, check=False).returncode == 0

    def psql_cmd(self, db: str = PG_DB) -> list:
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.sockdir), "-p", str(self.port),
                "-U", PG_USER, "-d", db]

    def psql(self, sql: str | None = None, db: str = PG_DB, file: Path | None = None, timeout: float = 300,
             extra: tuple = ()) -> str:
        cmd = self.psql_cmd(db) + list(extra)
        cmd += ["-f", str(file)] if file else ["-c", sql]
        return run(cmd, timeout=timeout).stdout

    def set_password(self) -> None:
        self.psql(f"ALTER ROLE {PG_USER} PASSWORD '{self.password}'", db="postgres")

    def start_from(self, template: Path) -> None:
        """Copy a migrated template cluster (see migrated_template) and start it with a fresh password."""
        self.copy_from(template)
        self.start()
        self.set_password()

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}:{self.password}@127.0.0.1:{self.port}/{PG_DB}"

    def stop(self) -> None:
        if self.pid:
            # SIGINT = PostgreSQL's "fast" shutdown: disconnect clients, checkpoint, exit
            kill_group(self.pid, str(self.datadir), first_signal=signal.SIGINT, grace=30)
            self.pid = None
        (self.workdir / "postgres.pid").unlink(missing_ok=True)


def make_workdir(prefix: str) -> Path:
    d = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(d, 0o711)  # as root, the postgres user must reach pgdata/ and pgsock/ inside
    return d


def migrations_dir(venv: Path) -> Path:
    return site_packages(venv) / "litellm_proxy_extras" / "migrations"


def migration_files(venv: Path) -> list[tuple[str, Path]]:
    """(name, migration.sql) in Prisma's order (folder names sorted; names may contain spaces)."""
    mig = migrations_dir(venv)
    return [(d.name, d / "migration.sql") for d in sorted(mig.iterdir(), key=lambda p: p.name)
            if (d / "migration.sql").is_file()]


def apply_migrations(pg: Postgres, venv: Path) -> int:
    """Apply litellm_proxy_extras' SQL migrations with one psql run, recording each in _prisma_migrations
    exactly as `prisma migrate deploy` would, so LiteLLM sees a migrated database."""
    lines = ["""CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0);"""]
    files = migration_files(venv)
    for name, f in files:
        checksum = hashlib.sha256(f.read_bytes()).hexdigest()
        quoted_path = str(f).replace("'", "''")
        quoted_name = name.replace("'", "''")
        lines.append(f"\\echo migration {quoted_name}")
        lines.append(f"\\i '{quoted_path}'")
        lines.append("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)"
                     f" VALUES (gen_random_uuid()::text, '{checksum}', now(), '{quoted_name}', 1);")
    script = pg.workdir / "migrations.sql"
    script.write_text("\n".join(lines) + "\n")
    try:
        pg.psql(file=script, timeout=600)
    except HarnessError as e:
        raise HarnessError(f"applying LiteLLM migrations failed: {e}") from e
    return len(files)


def check_schema(pg: Postgres, schema_prisma: Path) -> None:
    """Poor man's `prisma migrate diff`: every scalar field of schema.prisma must exist as a column."""
    src = schema_prisma.read_text()
    models = dict(re.findall(r"^model\s+(\w+)\s*\{(.*?)^\}", src, re.S | re.M))
    enums = set(re.findall(r"^enum\s+(\w+)", src, re.M))
    scalars = {"String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes"} | enums
    out = pg.psql("select table_name || '|' || column_name from information_schema.columns"
                  " where table_schema = 'public'", extra=("-tA",))
    cols = {tuple(line.split("|")) for line in out.splitlines() if line}
    missing = []
    for model, body in models.items():
        table = (re.search(r'@@map\("([^"]+)"\)', body) or [None, model])[1]
        for line in body.splitlines():
            fm = re.match(r"\s*(\w+)\s+(\w+)", line)
            if not fm or line.strip().startswith(("@@", "//")) or fm.group(2) not in scalars:
                continue
            col = (re.search(r'@map\("([^"]+)"\)', line) or [None, fm.group(1)])[1]
            if (table, col) not in cols:
                missing.append(f"{table}.{col}")
    if missing:
        raise HarnessError(f"schema.prisma fields without a column after the migrations: {missing[:20]}")


def migrated_template(version: str, venv: Path, pg_bin: Path) -> Path:
    """A cached, cleanly shut down cluster with LiteLLM's schema applied, keyed by PostgreSQL major version
    and the migrations' content. Copying it is much faster than replaying ~200 migrations."""
    import fcntl

    h = hashlib.sha256()
    for name, f in migration_files(venv):
        h.update(name.encode() + b"\0" + f.read_bytes())
    h.update(json.dumps(as_user_kwargs()).encode())
    pg_major = pg_bin.parent.name
    template = cache_root() / f"litellm-{version}" / f"pgdata-pg{pg_major}-{h.hexdigest()[:12]}"
    if (template / ".complete").exists():
        return template
    template.parent.mkdir(parents=True, exist_ok=True)
    with open(str(template) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (template / ".complete").exists():
            return template
        t0 = time.monotonic()
        log(f"building the migrated PostgreSQL template for LiteLLM {version} -> {template}")
        work = make_workdir("litellm-template-")
        pg = Postgres(work, pg_bin)
        try:
            pg.initdb()
            pg.start()
            pg.psql(f"CREATE DATABASE {PG_DB} OWNER {PG_USER}", db="postgres")
            n = apply_migrations(pg, venv)
            check_schema(pg, venv / "schema" / "schema.prisma")
            pg.stop()
            shutil.rmtree(template, ignore_errors=True)
            run(["cp", "-a", str(pg.datadir), str(template)], timeout=300)
            (template / ".complete").touch()
            log(f"template ready: {n} migrations in {time.monotonic() - t0:.1f}s")
        finally:
            pg.stop()
            shutil.rmtree(work, ignore_errors=True)
    return template


def prisma_env(shim_node: Path) -> dict:
    """Environment for prisma-client-py 0.11 to use the Prisma WASM engine shim instead of native engines."""
    shim = HERE / "shim"
    return {
        "PRISMA_QUERY_ENGINE_BINARY": str(shim / "query-engine"),
        "PRISMA_SCHEMA_ENGINE_BINARY": str(shim / "schema-engine"),  # a dummy: migrations are applied with psql
        "PRISMA_SHIM_NODE_MODULES": str(shim_node / "node_modules"),
        "PRISMA_SHIM_LEGACY_RAW": "1",  # prisma-client-py 0.11 expects the pre-5.6 raw-query result format
        "PRISMA_BINARY_CACHE_DIR": str(shim_node),  # where prisma-client-py finds the Prisma CLI (npm)
        "PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING": "1",
        "PRISMA_HIDE_UPDATE_MESSAGE": "1",
        "CHECKPOINT_DISABLE": "1",
    }


# ------------------------------------------------------------------------------------------ the proxy
class LiteLLMProxy:
    """A running LiteLLM proxy (real code, real PostgreSQL) plus a fake OpenAI upstream, on 127.0.0.1.

    >>> with LiteLLMProxy("1.108.7") as p:
    ...     requests.get(p.base_url + "/key/list", headers={"Authorization": f"Bearer {p.master_key}"})
    """

    def __init__(self, version: str | None = None, ready_timeout: float = 300, replica_of: "LiteLLMProxy | None" = None,
                 config: str | None = None, deployment_env: dict | None = None, num_workers: int = 1):
        """replica_of: a started proxy whose database, keys and upstream this one shares (a second replica,
        as the deploy role runs them); only the LiteLLM process is started then.
        config: the text of config.yaml instead of the harness's own (which defines CONFIG_MODEL).
        deployment_env: environment variables as a Kubernetes Deployment would set them (the deploy role's);
        they replace the harness's defaults, except where the harness must differ (see _litellm_env).
        num_workers: LiteLLM's --num_workers (each worker has its own router and reloads from the database like a
        replica)."""
        self.version = version or (replica_of.version if replica_of else None) or os.environ.get("LITELLM_VERSION") \
            or DEFAULT_VERSION
        self.ready_timeout = ready_timeout
        self.replica_of = replica_of
        self.master_key = replica_of.master_key if replica_of else "sk-" + secrets.token_hex(32)
        self.salt_key = replica_of.salt_key if replica_of else "sk-salt-" + secrets.token_hex(32)
        self.workdir: Path | None = None
        self.base_url = self.upstream_url = self.database_url = ""
        self.port = self.upstream_port = self.pg_port = None
        self.pids: dict[str, int] = {}
        self.log_path: Path | None = None
        self.startup_seconds: float | None = None
        self._pg: Postgres | None = None
        self.config = config
        self.num_workers = num_workers
        self.deployment_env = dict(deployment_env or {})
        if self.deployment_env.get("LITELLM_MASTER_KEY"):
            self.master_key = self.deployment_env["LITELLM_MASTER_KEY"]
        if self.deployment_env.get("LITELLM_SALT_KEY"):
            self.salt_key = self.deployment_env["LITELLM_SALT_KEY"]

    # ---- public API
    def env(self) -> dict:
        return {
            "LITELLM_API_BASE": self.base_url,
            "LITELLM_MASTER_KEY": self.master_key,
            "LITELLM_TEST_UPSTREAM": self.upstream_url,
            "LITELLM_TEST_DATABASE_URL": self.database_url,
            "LITELLM_TEST_SALT_KEY": self.salt_key,  # lets a second replica share the database
            "LITELLM_VERSION": self.version,
        }

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> "LiteLLMProxy":
        t0 = time.monotonic()
        try:
            self._start(t0)
        except BaseException:
            logs = self.workdir
            self.stop(keep_workdir=bool(os.environ.get("LITELLM_HARNESS_KEEP")))
            if logs and logs.exists():
                log(f"start failed; logs kept in {logs}")
            raise
        return self

    def _start(self, t0: float) -> None:
        paths = install(self.version)
        t_install = time.monotonic()
        venv, pg_bin = Path(paths["venv"]), Path(paths["pg_bin"])
        template = migrated_template(self.version, venv, pg_bin)
        t_template = time.monotonic()

        self.workdir = make_workdir(f"litellm-harness-{self.version}-")
        self.log_path = self.workdir / "litellm.log"
        if self.replica_of:
            self.database_url, self.upstream_url = self.replica_of.database_url, self.replica_of.upstream_url
        else:
            pg = self._pg = Postgres(self.workdir, pg_bin)
            pg.start_from(template)
            self.pids["postgres"] = pg.pid
            self.pg_port, self.database_url = pg.port, pg.url
            self._save_state()
        t_db = time.monotonic()

        if not self.replica_of:
            self._start_upstream()
        self._save_state()
        self._start_litellm(venv, Path(paths["shim_node"]), Path(paths["node"]).parent)
        self._save_state()
        t_ready = time.monotonic()
        self.startup_seconds = t_ready - t0
        log(f"LiteLLM {self.version} ready at {self.base_url} in {self.startup_seconds:.1f}s "
            f"(install {t_install - t0:.1f}s, db template {t_template - t_install:.1f}s, "
            f"postgres {t_db - t_template:.1f}s, proxy {t_ready - t_db:.1f}s); "
            f"postgres 127.0.0.1:{self.pg_port}, fake upstream {self.upstream_url}; logs in {self.workdir}")

    def _spawn(self, name: str, cmd: list, env: dict | None = None) -> subprocess.Popen:
        logfile = self.workdir / f"{name}.log"
        with open(logfile, "ab") as fd:
            proc = subprocess.Popen(cmd, stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.workdir, env=env, start_new_session=True)
        self.pids[name] = proc.pid
        (self.workdir / f"{name}.pid").write_text(str(proc.pid))
        return proc

    def _start_upstream(self) -> None:
        port_file = self.workdir / "upstream.port"
        proc = self._spawn("upstream", [sys.executable, str(HERE / "fake_openai.py"), "--port", "0",
                                        "--port-file", str(port_file)])
        self.upstream_port = int(wait_until("the fake OpenAI upstream", 30,
                                            lambda: port_file.exists() and port_file.read_text().strip(),
                                            proc=proc, logfile=self.workdir / "upstream.log"))
        self.upstream_url = f"http://127.0.0.1:{self.upstream_port}/v1"

    def _harness_config(self) -> str:
        # One model comes from the config file (not editable through the API), for tests of that case.
        return ("model_list:\n"
                f"  - model_name: {CONFIG_MODEL}\n"
                "    litellm_params:\n"
                "      model: openai/fake-config-model\n"
                f"      api_base: {self.upstream_url}\n"
                "      api_key: sk-fake-upstream-config-model\n"
                "    model_info:\n"
                f"      id: {CONFIG_MODEL}-id\n"
                "general_settings:\n"
                "  master_key: os.environ/LITELLM_MASTER_KEY\n"
                "  store_model_in_db: true\n"
                "  disable_prisma_schema_update: true\n"
                "  proxy_batch_write_at: 2\n"  # flush spend to the DB every 2 s (default 10)
                "litellm_settings:\n"
                "  telemetry: false\n")

    def _litellm_env(self, venv: Path, shim_node: Path, node_dir: Path, config: Path) -> dict:
        home = self.workdir / "home"
        home.mkdir(exist_ok=True)
        env = {
            "LITELLM_MASTER_KEY": self.master_key,
            "LITELLM_SALT_KEY": self.salt_key,
            "STORE_MODEL_IN_DB": "True",
            "LITELLM_MODE": "PRODUCTION",  # no .env loading
        }
        env.update(self.deployment_env)
        # What the harness must own whatever a Deployment says: its own database, the config file it wrote, its
        # fake upstream (for os.environ/HARNESS_UPSTREAM_URL references in model parameters), no network fetches,
        # and the offline Prisma engine, which cannot run `prisma migrate` (the harness applied LiteLLM's
        # migrations to the database already).
        env.update({
            "HARNESS_UPSTREAM_URL": self.upstream_url,
            "PATH": os.pathsep.join([str(venv / "bin"), str(node_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.workdir),
            "DATABASE_URL": self.database_url,
            "CONFIG_FILE_PATH": str(config),
            "DISABLE_SCHEMA_UPDATE": "true",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_TELEMETRY": "False",
            "PYTHONUNBUFFERED": "1",
            **prisma_env(shim_node),
        })
        return env

    def _start_litellm(self, venv: Path, shim_node: Path, node_dir: Path) -> None:
        config = self.workdir / "config.yaml"
        config.write_text(self.config if self.config is not None else self._harness_config())
        env = self._litellm_env(venv, shim_node, node_dir, config)
        workers = ["--num_workers", str(self.num_workers)] if self.num_workers > 1 else []

        def start_on(port: int) -> None:
            self.port = port
            self.base_url = f"http://127.0.0.1:{self.port}"
            proc = self._spawn("litellm", [str(venv / "bin" / "litellm"), "--config", str(config),
                                           "--host", "127.0.0.1", "--port", str(self.port)] + workers, env=env)
            wait_until(f"LiteLLM {self.version} /health/readiness with the DB connected", self.ready_timeout,
                       self._db_ready, proc=proc, logfile=self.log_path)

        start_on_a_free_port(start_on, self.log_path, b"address already in use")

    def _db_ready(self) -> bool:
        with urllib.request.urlopen(self.base_url + "/health/readiness", timeout=5) as r:
            body = json.load(r)
        return r.status == 200 and body.get("db") == "connected"

    # ---- stop
    def stop(self, keep_workdir: bool = False) -> list:
        """Kill everything this instance started (by the PIDs recorded in its temp dir, each with its process
        group) and remove the temp dir. Returns what survived (process names, open ports): normally []."""
        if self.workdir is None:
            return []
        stop_processes(self.workdir)
        survivors = [f"{name} (pid {pid})" for name, pid in self.pids.items() if pid_alive(pid)]
        survivors += [f"127.0.0.1:{p} still listening" for p in (self.port, self.upstream_port, self.pg_port)
                      if p and port_open(p)]
        if survivors:
            log(f"warning: left after stop: {survivors}")
        self.pids = {}
        self._keep_logs()
        if not keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        return survivors

    def _keep_logs(self) -> None:
        """LITELLM_HARNESS_LOG_DIR: copy the logs there before the temp dir goes (for CI artifacts)."""
        dest = os.environ.get("LITELLM_HARNESS_LOG_DIR")
        if not dest or not self.workdir.exists():
            return
        out = Path(dest) / self.workdir.name
        out.mkdir(parents=True, exist_ok=True)
        for f in self.workdir.glob("*.log"):
            shutil.copy(f, out / f.name)

    # ---- state (for the CLI and for reaping after a crash)
    def _save_state(self) -> None:
        state = {"version": self.version, "workdir": str(self.workdir), "pids": self.pids,
                 "port": self.port, "upstream_port": self.upstream_port, "pg_port": self.pg_port,
                 "log_path": str(self.log_path), "startup_seconds": self.startup_seconds, "env": self.env()}
        path = self.workdir / STATE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the master key
        with os.fdopen(fd, "w") as f:
            json.dump(state, f, indent=1)

    @classmethod
    def from_state(cls, path: Path) -> "LiteLLMProxy":
        state = json.loads(Path(path).read_text())
        p = cls(state["version"])
        p.workdir = Path(state["workdir"])
        p.pids = {k: int(v) for k, v in state["pids"].items()}
        p.port, p.upstream_port, p.pg_port = state["port"], state["upstream_port"], state["pg_port"]
        p.log_path = Path(state["log_path"]) if state.get("log_path") else None
        p.startup_seconds = state.get("startup_seconds")
        env = state["env"]
        p.base_url, p.master_key = env["LITELLM_API_BASE"], env["LITELLM_MASTER_KEY"]
        p.upstream_url, p.database_url = env["LITELLM_TEST_UPSTREAM"], env["LITELLM_TEST_DATABASE_URL"]
        p.salt_key = env.get("LITELLM_TEST_SALT_KEY", p.salt_key)
        return p

    def alive(self) -> dict:
        return {name: pid_alive(pid) for name, pid in self.pids.items()}


def stop_processes(workdir: Path) -> int:
    """Kill every process recorded in workdir/*.pid (with its process group): PostgreSQL last, with a fast
    shutdown, so LiteLLM and its query engine disconnect first."""
    pidfiles = sorted(Path(workdir).glob("*.pid"), key=lambda f: f.stem == "postgres")
    for f in pidfiles:
        try:
            pid = int(f.read_text().strip())
        except (OSError, ValueError):
            continue
        if f.stem == "postgres":
            kill_group(pid, str(workdir), first_signal=signal.SIGINT, grace=30)
        else:
            kill_group(pid, str(workdir))
        f.unlink(missing_ok=True)
    return len(pidfiles)


REUSE_VARS = ("LITELLM_API_BASE", "LITELLM_MASTER_KEY", "LITELLM_TEST_DATABASE_URL", "LITELLM_TEST_UPSTREAM")


class RunningProxy(LiteLLMProxy):
    """A proxy started elsewhere (litellm-local.sh), described by the environment; never stopped here."""

    def __init__(self, env):
        super().__init__(env.get("LITELLM_VERSION"))
        self.base_url = env["LITELLM_API_BASE"].rstrip("/")
        self.master_key = env["LITELLM_MASTER_KEY"]
        self.database_url = env["LITELLM_TEST_DATABASE_URL"]
        self.upstream_url = env["LITELLM_TEST_UPSTREAM"]
        self.salt_key = env.get("LITELLM_TEST_SALT_KEY")

    def start(self):
        return self

    def stop(self, keep_workdir=False):
        return []


def proxy_from_env(env, num_workers: int = 1) -> LiteLLMProxy:
    """The proxy the environment names (started elsewhere, never stopped here), else a new one to start."""
    if all(env.get(v) for v in REUSE_VARS):
        return RunningProxy(env)
    return LiteLLMProxy(num_workers=num_workers)


def reap(directory: Path) -> int:
    """Stop whatever the harness started under `directory` (its temp dirs), e.g. after a test run was killed,
    and remove those temp dirs."""
    n = 0
    for work in sorted(Path(directory).iterdir()):
        if work.is_dir() and any(work.glob("*.pid")):
            n += stop_processes(work)
            shutil.rmtree(work, ignore_errors=True)
    return n


def leftovers(directory: Path) -> list:
    """Processes whose command line or environment mentions `directory` (for the tiers' final check)."""
    needle = str(directory).encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            blobs = [Path(f"/proc/{d}/cmdline").read_bytes(), Path(f"/proc/{d}/environ").read_bytes()]
        except OSError:
            continue
        if any(needle in b for b in blobs) and pid_alive(int(d)):
            found.append((int(d), cmdline(int(d))))
    return found


# ------------------------------------------------------------------------------------------ CLI
def _cli_pointer() -> Path:
    return Path(os.environ.get("LITELLM_LOCAL_STATE") or cache_root() / "run" / "litellm-local.json")


def _cli_running() -> LiteLLMProxy | None:
    pointer = _cli_pointer()
    if not pointer.exists():  # also false for a dangling symlink (temp dir gone)
        if pointer.is_symlink():
            pointer.unlink()
        return None
    return LiteLLMProxy.from_state(pointer)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="litellm-local.sh", description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start", help="start PostgreSQL, the fake upstream and LiteLLM in the background")
    s.add_argument("--version", default=None, help=f"LiteLLM version (default $LITELLM_VERSION or {DEFAULT_VERSION})")
    sub.add_parser("stop", help="stop the running instance and remove its temp dir")
    sub.add_parser("env", help="print `export ...` lines for the running instance (includes the master key)")
    sub.add_parser("status", help="show the running instance, its ports and processes")
    r = sub.add_parser("reap", help="stop every process the harness started under DIR, remove its temp dirs")
    r.add_argument("dir")
    r = sub.add_parser("leftovers", help="list processes that mention DIR; exit 1 if there are any")
    r.add_argument("dir")
    a = ap.parse_args(argv)

    if a.cmd == "reap":
        n = reap(Path(a.dir))
        if n:
            log(f"reaped {n} process group(s) left under {a.dir}")
        return 0
    if a.cmd == "leftovers":
        found = leftovers(Path(a.dir))
        for pid, cmd in found:
            print(f"left running: pid {pid}: {cmd[:200]}")
        return 1 if found else 0
    running = _cli_running()
    if a.cmd == "start":
        if running and all(running.alive().values()):
            log(f"already running: LiteLLM {running.version} at {running.base_url} (stop it first to restart)")
            return 0
        if running:
            running.stop()
        p = LiteLLMProxy(a.version).start()
        pointer = _cli_pointer()
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.unlink(missing_ok=True)
        pointer.symlink_to(p.workdir / STATE)
        print(f"LiteLLM {p.version} at {p.base_url} (started in {p.startup_seconds:.1f}s)")
        print(f"logs: {p.workdir}/*.log; for the credentials: eval \"$(litellm-local.sh env)\"")
        return 0
    if running is None:
        log("not running")
        return 1 if a.cmd in ("env", "status") else 0
    if a.cmd == "env":
        for k, v in running.env().items():
            print(f"export {k}='{v}'")
        return 0
    if a.cmd == "status":
        alive = running.alive()
        print(f"LiteLLM {running.version} at {running.base_url}; postgres 127.0.0.1:{running.pg_port}; "
              f"fake upstream {running.upstream_url}; logs in {running.workdir}")
        for name, pid in running.pids.items():
            print(f"  {name:9} pid {pid:7} {'running' if alive[name] else 'GONE'}")
        return 0 if all(alive.values()) else 1
    if a.cmd == "stop":
        running.stop()
        _cli_pointer().unlink(missing_ok=True)
        log("stopped")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
