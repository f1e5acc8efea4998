"""Paper A, stage 3: the siamese network that orders states in time, and its training.

- :mod:`.model`: the network of Table I (``SiameseNet``) and the uint8 -> float input scaling.
- :mod:`.data`: pairs of states of one process, their labels, the augmentation group.
- :mod:`.train`: the training loop with checkpoint/resume and early stopping.
- :mod:`.infer`: loading a trained model and scoring S~ of every state.
- :mod:`.plots`: the training-curve figure.
"""
