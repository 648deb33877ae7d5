#!/usr/bin/env bash
# Gradescope builds the autograder image with this (its Ubuntu base image), once per upload of the zip.
set -euo pipefail
apt-get update
apt-get install -y python3.11 python3.11-venv
python3.11 -m venv /opt/seqlabs
/opt/seqlabs/bin/pip install -c /autograder/source/constraints.txt /autograder/source
ln -sf /opt/seqlabs/bin/autograder /usr/local/bin/autograder
