#!/usr/bin/env bash
# Make the Gradescope autograder zip for one lab, from the repository root:
#   examples/gradescope/make_zip.sh lab0_example   ->  dist/gradescope-lab0_example.zip
# It holds the answer key: upload it to Gradescope only, never give it to students.
set -euo pipefail
LAB="$1"
OUT="dist/gradescope-$LAB.zip"
test -f "labs/keys/$LAB.json" || { echo "no labs/keys/$LAB.json: run 'autograder build $LAB' first" >&2; exit 1; }
mkdir -p dist
tmp=$(mktemp -d)
cp examples/gradescope/setup.sh "$tmp/"
sed "s/^LAB=.*/LAB=\"\${LAB:-$LAB}\"/" examples/gradescope/run_autograder > "$tmp/run_autograder"
chmod +x "$tmp/run_autograder"
mkdir -p "$tmp/labs/source" "$tmp/labs/keys"
cp "labs/source/$LAB.ipynb" "$tmp/labs/source/"
cp "labs/keys/$LAB.json" "$tmp/labs/keys/"
cp -r pyproject.toml README.md constraints.txt autograder src "$tmp/"
find "$tmp" -name __pycache__ -prune -exec rm -rf {} +
rm -f "$OUT"
(cd "$tmp" && python3 -m zipfile -c "$OLDPWD/$OUT" .)
rm -rf "$tmp"
echo "wrote $OUT"
