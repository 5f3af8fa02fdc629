"""The NG paper's toy CNN ("NG Acts as a Regularizer", Table 1).

"The model had two convolutional layers, one dense layer without activation
functions and a softmax layer. Each convolutional layer contained three 3x3
kernels." Activations (NG-ReLU in the paper) follow each conv layer, or none
for the linear baseline.

The paper does not give the padding or what feeds the dense layer. Assumed
here: 'same' padding (stride 1, no pooling), so the dense layer maps the
3 x 32 x 32 feature map straight to the class logits (it is the classifier
the softmax reads).
"""
from __future__ import annotations

import torch.nn as nn

from .activations import activation


class NGToyCNN(nn.Sequential):
    def __init__(self, act: str = "none", num_classes: int = 10, in_channels: int = 3,
                 image_size: int = 32, t_init: float = -1.0, t_trainable: bool = True, width: int = 3):
        super().__init__(
            nn.Conv2d(in_channels, width, 3, padding=1),
            activation(act, width, t_init=t_init, t_trainable=t_trainable),
            nn.Conv2d(width, width, 3, padding=1),
            activation(act, width, t_init=t_init, t_trainable=t_trainable),
            nn.Flatten(),
            nn.Linear(width * image_size * image_size, num_classes),
        )
