"""ResNet-18 exported at test time with Debian's PyTorch, served by `berth serve` and compared with
PyTorch's own output (random weights, fixed seed: no download)."""

import os
import time

import numpy as np
import pytest
import tritonclient.http as httpclient

torch = pytest.importorskip("torch", reason="PyTorch is not importable: install python3-torch to run the ResNet-18 test")
torchvision = pytest.importorskip("torchvision", reason="torchvision is not importable: install python3-torchvision")


@pytest.fixture(scope="module")
def resnet18(tmp_path_factory):
    repo = tmp_path_factory.mktemp("resnet_repo")
    os.makedirs(repo / "resnet18" / "1")
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=1000).eval()
    example = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, example, str(repo / "resnet18" / "1" / "model.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    return str(repo), model


def test_resnet18_matches_pytorch(start_server, resnet18):
    repo, model = resnet18
    srv = start_server(repo)
    client = httpclient.InferenceServerClient(url=srv.url, network_timeout=600.0)
    try:
        metadata = client.get_model_metadata("resnet18")
        assert metadata["inputs"][0]["shape"] == [-1, 3, 224, 224]
        rng = np.random.default_rng(1)
        x = rng.standard_normal((2, 3, 224, 224)).astype(np.float32)
        with torch.no_grad():
            expected = model(torch.from_numpy(x)).numpy()
        for binary in (True, False):
            inp = httpclient.InferInput("input", list(x.shape), "FP32")
            inp.set_data_from_numpy(x, binary_data=binary)
            started = time.monotonic()
            result = client.infer("resnet18", [inp],
                                  outputs=[httpclient.InferRequestedOutput("logits", binary_data=binary)])
            took = time.monotonic() - started
            logits = result.as_numpy("logits")
            assert logits.shape == (2, 1000)
            np.testing.assert_allclose(logits, expected, rtol=1e-3, atol=1e-3)
            assert (logits.argmax(axis=1) == expected.argmax(axis=1)).all()
            print(f"resnet18 batch 2 ({'binary' if binary else 'JSON'}): {took * 1000:.0f} ms")
    finally:
        client.close()
    assert srv.stop() == 0
