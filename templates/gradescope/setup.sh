#!/usr/bin/env bash
# sockets-course on Gradescope: setup.sh. Gradescope runs this once, as root, when it builds the
# autograder image from the zip (which holds this kit, unpacked in /autograder/source). It installs
# Rust for an unprivileged user, `grader`, and builds the grader and the checks once, against the
# solutions, so that each submission compiles only the student's own code (seconds, not minutes)
# and a student's exercise that does not compile still shows every check it misses.
#
# How to build the zip: see "Gradescope" in the README's instructor guide.
set -euo pipefail

kit=/autograder/source

apt-get update
apt-get install -y --no-install-recommends build-essential ca-certificates curl

# Student code runs as `grader`, which cannot write /autograder/results nor change the kit: the
# score is written by root, from the grader's standard output.
id grader >/dev/null 2>&1 || useradd --create-home --shell /bin/bash grader
runuser -l grader -c "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
    | sh -s -- -y --profile minimal --default-toolchain stable"

# The kit stays root's (read-only for the grader); only its build folder is the grader's.
chmod -R a+rX "$kit"
chmod 755 "$kit/run_autograder"
mkdir -p "$kit/target"
chown -R grader: "$kit/target"

# Build everything once. Exit code 1 (a check failed on the solutions) is reported, not fatal:
# the image is still usable, and the output says what to look at.
status=0
runuser -l grader -c ". \"\$HOME/.cargo/env\" && cd $kit && cargo xtask grade --solutions" || status=$?
if [ "$status" -gt 1 ]; then
    echo "setup.sh: the grader could not run on the solutions (exit $status)" >&2
    exit "$status"
fi
