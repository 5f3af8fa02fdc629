"""The reproduction harness: data, training, cells and cache, reports, one module per paper.

On the CPU, denormal floats are flushed to zero: arithmetic on them is about a hundred times slower, and a
diverging or vanishing network fills its tensors with them (measured: a ResNet-34 training step went from
0.1 s to over a minute).
"""
import torch

torch.set_flush_denormal(True)
