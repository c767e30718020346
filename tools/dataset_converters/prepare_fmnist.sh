#!/usr/bin/env bash
# Put the real Fashion-MNIST files where mmpretrain's FashionMNIST reads
# them (uncompressed idx files in one folder), from the Debian package
# dataset-fashion-mnist, installing it if apt is available.
set -euo pipefail
dest=${1:-data/fashion_mnist}
src=/usr/share/datasets/fashion-mnist
files="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

if [ ! -f "$src/t10k-images-idx3-ubyte.gz" ]; then
  sudo=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi
  if command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; }; then
    echo "Installing the Debian package dataset-fashion-mnist ..."
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
  else
    echo "Fashion-MNIST not found in $src and apt-get is not usable here." >&2
    echo "Install the package dataset-fashion-mnist, or put the four idx files" >&2
    echo "($files) into $dest yourself (mmpretrain's FashionMNIST can download" >&2
    echo "them where the machine is online)." >&2
    exit 1
  fi
fi
mkdir -p "$dest"
for f in $files; do
  gunzip -c "$src/$f.gz" > "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
done
echo "Fashion-MNIST ready in $dest"
