"""The models of the engine benchmark: how each is built in PyTorch, exported to ONNX and fed.

Every model is built with a fixed seed and random weights (no pretrained weights are downloaded).
Image models get their BatchNorm statistics from one forward pass over random images, so that
activations keep a realistic scale through the network (eval mode with the default statistics,
mean 0 and variance 1, lets ResNet activations grow layer after layer). The exporter writes, per
model, <dir>/model.onnx (opset 17, dynamic batch dimension), <dir>/weights.pt (the state dict the
PyTorch runner loads back into the same architecture) and <dir>/meta.json.

Imported by export_models.py (Debian's /usr/bin/python3) and by the PyTorch runner.
"""

import torch

OPSET = 17
IMAGE = (3, 224, 224)
SEQ_LEN = 128
VOCAB = 30522  # BERT-base's vocabulary size

# name -> (input name, per-sample shape, dtype, GFLOP per sample or None, what it is)
# ResNet-50's 8.2 GFLOP per 224x224 image is the usual 4.1 GMAC count x 2 (torchvision's figure).
SPECS = {
    "resnet50": ("input", IMAGE, "float32", 8.2, "torchvision ResNet-50"),
    "resnet18": ("input", IMAGE, "float32", 3.64, "torchvision ResNet-18"),
    "mobilenet_v2": ("input", IMAGE, "float32", 0.60, "torchvision MobileNetV2"),
    "efficientnet_b0": ("input", IMAGE, "float32", 0.78, "torchvision EfficientNet-B0"),
    "bert_base": ("input_ids", (SEQ_LEN,), "int64", None,
                  "BERT-base-sized encoder: token+position embeddings, 12 post-norm layers, hidden 768, "
                  "12 heads, FFN 3072, GELU, seq 128"),
    "mlp": ("input", (784,), "float32", 0.0011, "MLP 784-512-256-10, ReLU"),
}
MODELS = tuple(SPECS)


class BertEncoder(torch.nn.Module):
    """BERT-base-sized encoder on token ids: embeddings + LayerNorm + 12 TransformerEncoder layers."""

    def __init__(self, vocab=VOCAB, d_model=768, heads=12, layers=12, ffn=3072, max_len=512):
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d_model)
        self.pos = torch.nn.Embedding(max_len, d_model)
        self.norm = torch.nn.LayerNorm(d_model)
        layer = torch.nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=ffn, dropout=0.1,
                                                 activation="gelu", batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        # TransformerEncoder deep-copies one layer, so all 12 would start with the same weights, and
        # torch.onnx.export would then store them once (it deduplicates equal initializers): a model
        # with a twelfth of BERT's weights. Give every layer its own.
        for block in self.encoder.layers:
            for m in block.modules():
                if isinstance(m, torch.nn.MultiheadAttention):
                    m._reset_parameters()  # in_proj weight and bias (out_proj below)
                elif isinstance(m, torch.nn.Linear):
                    m.reset_parameters()

    def forward(self, input_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        h = self.norm(self.tok(input_ids) + self.pos(positions)[None])
        return self.encoder(h)


class Mlp(torch.nn.Sequential):
    def __init__(self):
        super().__init__(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256),
                         torch.nn.ReLU(), torch.nn.Linear(256, 10))


def build(name):
    """The architecture only (random init, eval mode); weights come from the seed or weights.pt."""
    import torchvision

    if name in ("resnet50", "resnet18", "mobilenet_v2", "efficientnet_b0"):
        model = getattr(torchvision.models, name)(weights=None)
    elif name == "bert_base":
        model = BertEncoder()
    elif name == "mlp":
        model = Mlp()
    else:
        raise ValueError(f"unknown model '{name}' (known: {', '.join(MODELS)})")
    return model.eval()


def calibrate_batchnorm(model, seed):
    """Sets BatchNorm running statistics from one forward pass over 4 random images."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average: one pass gives exactly that batch's statistics
    model.train()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model(torch.randn((4,) + IMAGE, generator=gen))
    model.eval()


def example_input(name, batch):
    """A tensor of the right shape/dtype for export (values do not matter)."""
    _, shape, dtype, _, _ = SPECS[name]
    if dtype == "int64":
        return torch.zeros((batch,) + shape, dtype=torch.int64)
    return torch.zeros((batch,) + shape)
