"""A real one-node SLURM cluster on localhost, for the tests of EXECUTOR=slurm.

`LocalSlurm` writes a configuration for this machine (its CPU count and
memory; proctrack/linuxproc and task/none, which need no cgroups) into a
temporary folder, starts munged (unless one runs), a MariaDB server and
slurmdbd (so that `sacct` answers, as on a real cluster), slurmctld and
slurmd, and waits until the node is idle. Every daemon listens on
127.0.0.1 on a free port; nothing else is touched. `stop()` cancels what is
left and stops the daemons it started. Commands find the cluster through
$SLURM_CONF, which `start()` sets in this process (submitit's sbatch, sacct
and scontrol calls inherit it) and `stop()` restores.

It needs root and Debian's packages (`.ci/install-slurm` installs them):
slurmctld, slurmd, slurmdbd, slurm-client, munge, mariadb-server. Tested
with SLURM 22.05.8 (Debian 12). `missing()` says in one line why it cannot
run here.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

PROGRAMS = ("munged", "slurmctld", "slurmd", "slurmdbd", "sbatch", "sacct", "squeue", "scontrol", "scancel",
            "mariadbd", "mariadb-install-db")
PACKAGES = "slurmctld slurmd slurmdbd slurm-client munge mariadb-server"


def missing() -> str | None:
    """Why a local cluster cannot be started on this machine, or None."""
    if os.name != "posix" or os.geteuid() != 0:
        return "a local SLURM cluster needs root (to start munged, slurmctld and slurmd)"
    absent = [p for p in PROGRAMS if shutil.which(p) is None and not os.path.exists(f"/usr/sbin/{p}")]
    if absent:
        return f"SLURM is not installed ({', '.join(absent)} missing): apt-get install {PACKAGES} (.ci/install-slurm)"
    return None


def expand_array(job_id: str) -> list[str]:
    """sacct's and squeue's compact form of pending array tasks, one id per task: '7_[2-3,5%4]' -> 7_2, 7_3, 7_5."""
    if "_[" not in job_id:
        return [job_id]
    array, spec = job_id[:-1].split("_[")
    tasks = []
    for part in spec.split("%")[0].split(","):
        first, _, last = part.partition("-")
        tasks += [f"{array}_{i}" for i in range(int(first), int(last or first) + 1)]
    return tasks


def _which(program: str) -> str:
    return shutil.which(program) or f"/usr/sbin/{program}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mem_mb() -> int:
    with open("/proc/meminfo") as fh:
        total_kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    return int(total_kb / 1024 * 0.8)


class LocalSlurm:
    def __init__(self, cluster: str = "reprotest"):
        self.cluster = cluster
        self.dir = tempfile.mkdtemp(prefix="repro-slurm-")
        self.node = socket.gethostname().split(".")[0]
        self.cpus = os.cpu_count() or 1
        self.procs: list[subprocess.Popen] = []
        self.old_conf = os.environ.get("SLURM_CONF")
        self.conf = os.path.join(self.dir, "slurm.conf")

    # ------------------------------------------------------------ set-up
    def _path(self, *parts: str) -> str:
        return os.path.join(self.dir, *parts)

    def _write_configs(self) -> None:
        self.db_port, self.dbd_port = _free_port(), _free_port()
        self.ctld_port, self.slurmd_port = _free_port(), _free_port()
        for sub in ("state", "spool", "log", "db"):
            os.makedirs(self._path(sub), exist_ok=True)
        with open(self.conf, "w") as fh:
            fh.write(f"""ClusterName={self.cluster}
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={self.ctld_port}
SlurmdPort={self.slurmd_port}
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={self._path('state')}
SlurmdSpoolDir={self._path('spool')}
SlurmctldPidFile={self._path('slurmctld.pid')}
SlurmdPidFile={self._path('slurmd.pid')}
SlurmctldLogFile={self._path('log', 'slurmctld.log')}
SlurmdLogFile={self._path('log', 'slurmd.log')}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort={self.dbd_port}
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
KillWait=2
MinJobAge=3600
SchedulerParameters=sched_interval=2
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={_mem_mb()} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
        dbd = self._path("slurmdbd.conf")  # slurmdbd reads slurmdbd.conf beside $SLURM_CONF
        with open(dbd, "w") as fh:
            fh.write(f"""AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort={self.dbd_port}
SlurmUser=root
LogFile={self._path('log', 'slurmdbd.log')}
PidFile={self._path('slurmdbd.pid')}
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={self.db_port}
StorageUser=root
StorageLoc=slurm_acct_db_{self.cluster}
""")
        os.chmod(dbd, 0o600)

    def _run(self, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, env=self.env())

    def env(self) -> dict:
        return {**os.environ, "SLURM_CONF": self.conf}

    def _wait(self, what: str, ok, timeout: float = 60) -> None:
        end = time.time() + timeout
        while time.time() < end:
            if ok():
                return
            time.sleep(0.5)
        raise RuntimeError(f"{what} did not come up within {timeout:.0f} s; logs in {self._path('log')}: "
                           + self._log_tail())

    def _log_tail(self) -> str:
        out = []
        for name in sorted(os.listdir(self._path("log"))):
            with open(self._path("log", name), errors="replace") as fh:
                lines = fh.read().strip().splitlines()[-3:]
            out.append(f"{name}: " + " / ".join(lines))
        return " || ".join(out)

    def _munge_works(self) -> bool:
        try:
            enc = subprocess.run(["munge", "-n"], capture_output=True, timeout=10)
            dec = subprocess.run(["unmunge"], input=enc.stdout, capture_output=True, timeout=10)
            return enc.returncode == 0 and dec.returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False

    def start(self) -> "LocalSlurm":
        self._write_configs()
        if not self._munge_works():
            os.makedirs("/run/munge", exist_ok=True)
            subprocess.run([_which("munged"), "--force"], capture_output=True, timeout=30)
            self._wait("munged", self._munge_works, 20)
        init = subprocess.run([_which("mariadb-install-db"), "--user=root", f"--datadir={self._path('db')}",
                               "--auth-root-authentication-method=normal"], capture_output=True, text=True,
                              timeout=120)
        if init.returncode:
            raise RuntimeError(f"mariadb-install-db failed: {init.stderr.strip()[-300:]}")
        log = open(self._path("log", "mariadb.log"), "w")
        self.procs.append(subprocess.Popen(
            [_which("mariadbd"), "--user=root", f"--datadir={self._path('db')}", f"--port={self.db_port}",
             "--bind-address=127.0.0.1", f"--socket={self._path('mysql.sock')}",
             f"--pid-file={self._path('mysql.pid')}", "--innodb-buffer-pool-size=64M"],
            stdout=log, stderr=log, start_new_session=True))
        self._wait("MariaDB", lambda: os.path.exists(self._path("mysql.sock")), 60)
        for daemon in ("slurmdbd", "slurmctld", "slurmd"):
            res = self._run(_which(daemon))
            if res.returncode:
                raise RuntimeError(f"{daemon} failed to start: {res.stderr.strip()[-300:]} {self._log_tail()}")
            if daemon == "slurmdbd":
                self._wait("slurmdbd", lambda: self._run("sacctmgr", "-n", "list", "cluster").returncode == 0, 60)
        os.environ["SLURM_CONF"] = self.conf
        self._wait("the node (idle)", lambda: self._run("sinfo", "-h", "-o", "%T").stdout.strip() == "idle", 60)
        self._wait("accounting (sacct)", lambda: self._run("sacct", "-n", "-X").returncode == 0, 30)
        return self

    # ------------------------------------------------------------ use
    def jobs(self) -> list[str]:
        """Every job (array task) this cluster has seen: ['5_0', '5_1', ...]. squeue (-t all: the controller keeps
        finished jobs for MinJobAge) sees a job the moment it is submitted; sacct, which lags, everything older."""
        out = (self._run("squeue", "-h", "-r", "-t", "all", "-o", "%i").stdout.split()
               + self._run("sacct", "-n", "-X", "-P", "-o", "JobID", "-S", "now-1days").stdout.split())
        return sorted({task for entry in out for task in expand_array(entry)})

    def active(self) -> list[str]:
        """Jobs still queued or running (squeue)."""
        return self._run("squeue", "-h", "-o", "%i").stdout.split()

    def state(self, job: str) -> str:
        """The job's state as the controller sees it now (PENDING, RUNNING, COMPLETING, ...)."""
        return self._run("squeue", "-h", "-j", job, "-t", "all", "-o", "%T").stdout.strip()

    def wait_idle(self, timeout: float = 300) -> None:
        self._wait("all jobs to finish", lambda: not self.active(), timeout)

    # ------------------------------------------------------------ tear-down
    def stop(self) -> None:
        if os.path.exists(self.conf):
            self._run("scancel", "--full", "-u", "root", timeout=20)
        for pid_file in ("slurmd.pid", "slurmctld.pid", "slurmdbd.pid"):
            try:
                with open(self._path(pid_file)) as fh:
                    os.kill(int(fh.read().strip()), 15)
            except (OSError, ValueError):
                pass
        for p in self.procs:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        time.sleep(1)
        if self.old_conf is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = self.old_conf
        shutil.rmtree(self.dir, ignore_errors=True)
