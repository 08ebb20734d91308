# Sourced by the jobs' scripts: $0 is jobs/JOB/bin/SCRIPT inside the unpacked instance archive.
job_dir() {
  cd "$(dirname "$0")/.." && pwd
}

log() {
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"
}
