#!/usr/bin/env bash
# sockets-course on Gradescope: setup.sh. Gradescope runs this once, as root, when it builds the
# autograder image from the zip (which holds this kit, unpacked in /autograder/source). It installs
# Rust for root (the grade runs as root, student code as unprivileged users the grader picks), and
# builds the grader and the checks once, against the solutions, so that each submission compiles
# only the student's own code (seconds, not minutes) and a student's exercise that does not compile
# still shows every check it misses.
#
# How to build the zip: see "Gradescope" in the README's instructor guide.
set -euo pipefail

kit=/autograder/source

apt-get update
apt-get install -y --no-install-recommends build-essential ca-certificates curl

# The installer is downloaded first, so that a failed download fails this script (and the image).
curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs -o /tmp/rustup-init.sh
sh /tmp/rustup-init.sh -y --profile minimal --default-toolchain stable
. "$HOME/.cargo/env"

# The kit is root's alone: student code, run as other users, cannot read it, even where the
# container allows no mount namespace to hide it.
chmod -R go-rwx "$kit"
chmod 700 "$kit/run_autograder" 2>/dev/null || true

# Build everything once. Exit code 1 (a check failed on the solutions) is reported, not fatal:
# the image is still usable, and the output says what to look at.
status=0
(cd "$kit" && cargo xtask grade --solutions) || status=$?
if [ "$status" -gt 1 ]; then
    echo "setup.sh: the grader could not run on the solutions (exit $status)" >&2
    exit "$status"
fi
