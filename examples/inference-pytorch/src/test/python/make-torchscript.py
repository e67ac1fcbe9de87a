"""Writes the TorchScript test model and the outputs PyTorch computes for it.

A small classifier (8 features -> 16 hidden -> 4 classes) with weights from a fixed seed, scripted
with torch.jit.script and saved with an extra file that names its inputs and outputs for the node.
Run by make-torchscript.sh with Debian's python3-torch; the Java test compares the node's answers
(libtorch 2.7.1 through DJL, inside OSGi) with the ones written here (PyTorch in Python).
"""

import math
import sys

import torch


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(8, 16)
        self.out = torch.nn.Linear(16, 4)

    def forward(self, x: torch.Tensor):
        logits = self.out(torch.relu(self.hidden(x)))
        return logits, torch.softmax(logits, dim=1)


def main(model_path, expected_path):
    torch.manual_seed(7)
    model = torch.jit.script(Classifier().eval())
    signature = "inputs=features:float32:-1x8\noutputs=logits:float32:-1x4,probabilities:float32:-1x4\n"
    torch.jit.save(model, model_path, _extra_files={"hanzo-signature.properties": signature})
    rows = [[math.sin(i * 8 + j) * 2.0 for j in range(8)] for i in range(5)]
    with torch.no_grad():
        logits, probabilities = model(torch.tensor(rows, dtype=torch.float32))
    with open(expected_path, "w") as out:
        out.write("# made by make-torchscript.py with PyTorch %s\n" % torch.__version__)
        for i, row in enumerate(rows):
            out.write("features %d %s\n" % (i, " ".join(repr(float(v)) for v in row)))
            out.write("logits %d %s\n" % (i, " ".join(repr(float(v)) for v in logits[i])))
            out.write(
                "probabilities %d %s\n" % (i, " ".join(repr(float(v)) for v in probabilities[i]))
            )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
