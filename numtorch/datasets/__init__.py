"""Datasets: the UCI handwritten digits bundled with numtorch (``load_digits``, ``Digits``),
and readers for MNIST, Fashion-MNIST, KMNIST (IDX files) and CIFAR-10 (python batches) from a
directory the user names."""

from numtorch.datasets._base import *
from numtorch.datasets.cifar import *
from numtorch.datasets.digits import *
from numtorch.datasets.mnist import *
