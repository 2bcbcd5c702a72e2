"""The KServe v2 protocol through tritonclient.http: metadata, health, JSON and binary inference,
every datatype, requested outputs, versions."""

import os

import ml_dtypes
import numpy as np
import onnx
import pytest
import tritonclient.http as httpclient
from onnx import numpy_helper
from tritonclient.utils import InferenceServerException

from conftest import ROOT
from e2e_models import IDENTITY_TYPES


def load_pb(path):
    return numpy_helper.to_array(onnx.load_tensor(path))


def example(name):
    folder = os.path.join(ROOT, "examples", "inputs", name)
    return load_pb(os.path.join(folder, "input_0.pb")), load_pb(os.path.join(folder, "expected_0.pb"))


def test_server_metadata_and_health(client):
    metadata = client.get_server_metadata()
    assert metadata["name"] == "berth"
    assert metadata["version"]
    assert "binary_tensor_data" in metadata["extensions"]
    assert client.is_server_live()
    assert client.is_server_ready()


def test_model_ready_metadata_config(client):
    assert client.is_model_ready("tiny_mlp")
    assert client.is_model_ready("tiny_mlp", "1")
    assert not client.is_model_ready("no_such_model")
    metadata = client.get_model_metadata("tiny_mlp")
    assert metadata["name"] == "tiny_mlp"
    assert metadata["versions"] == ["1"]
    assert metadata["inputs"] == [{"name": "features", "datatype": "FP32", "shape": [-1, 4]}]
    assert metadata["outputs"] == [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 3]}]
    config = client.get_model_config("mnist_cnn")
    assert config["name"] == "mnist_cnn"
    assert config["max_batch_size"] == 8
    assert config["input"][0]["name"] == "image"


@pytest.mark.parametrize("binary", [False, True])
def test_infer_matches_expected_outputs(client, binary):
    for model, input_name, output_name in [("tiny_mlp", "features", "probabilities"),
                                           ("tiny_cnn", "image", "probabilities"),
                                           ("mnist_cnn", "image", "probabilities")]:
        x, expected = example(model)
        inp = httpclient.InferInput(input_name, list(x.shape), "FP32")
        inp.set_data_from_numpy(x, binary_data=binary)
        out = httpclient.InferRequestedOutput(output_name, binary_data=binary)
        result = client.infer(model, [inp], outputs=[out], request_id=f"req-{model}")
        np.testing.assert_allclose(result.as_numpy(output_name), expected, rtol=1e-4, atol=1e-6)
        response = result.get_response()
        assert response["id"] == f"req-{model}"
        assert response["model_name"] == model
        assert response["model_version"] == "1"
        assert ("binary_data_size" in response["outputs"][0].get("parameters", {})) == binary


def test_infer_without_requested_outputs_returns_all_in_binary(client):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    inp = httpclient.InferInput("x", [2, 3], "FP32")
    inp.set_data_from_numpy(x)
    result = client.infer("two_outputs", [inp])  # tritonclient asks for binary_data_output
    np.testing.assert_array_equal(result.as_numpy("plus_one"), x + 1)
    np.testing.assert_array_equal(result.as_numpy("doubled"), x * 2)


def test_requested_outputs_subset(client):
    x = np.ones((1, 3), dtype=np.float32)
    inp = httpclient.InferInput("x", [1, 3], "FP32")
    inp.set_data_from_numpy(x, binary_data=False)
    result = client.infer("two_outputs", [inp], outputs=[httpclient.InferRequestedOutput("doubled", binary_data=False)])
    assert [o["name"] for o in result.get_response()["outputs"]] == ["doubled"]
    np.testing.assert_array_equal(result.as_numpy("doubled"), x * 2)
    assert result.as_numpy("plus_one") is None


def test_text_model_with_bytes_input(client):
    for binary in (False, True):
        tokens = np.array([["what", "a", "great", "movie", "loved", "it"],
                           ["boring", "and", "awful", "a", "waste", "."]], dtype=np.object_)
        inp = httpclient.InferInput("tokens", list(tokens.shape), "BYTES")
        inp.set_data_from_numpy(tokens, binary_data=binary)
        result = client.infer("text_sentiment", [inp],
                              outputs=[httpclient.InferRequestedOutput("probabilities", binary_data=binary)])
        probabilities = result.as_numpy("probabilities")
        assert probabilities.shape == (2, 2)
        assert probabilities[0, 1] > 0.9   # positive
        assert probabilities[1, 0] > 0.9   # negative


@pytest.mark.parametrize("binary", [False, True])
def test_every_datatype_round_trips(client, binary):
    rng = np.random.default_rng(0)
    inputs, expected = [], {}
    for name, (_, dtype) in IDENTITY_TYPES.items():
        if name == "BF16":
            continue  # below
        if name == "BOOL":
            values = np.array([True, False, True])
        elif name == "BYTES":
            values = np.array([b"abc", b"", "\u00e9t\u00e9".encode()], dtype=np.object_)
        elif np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            values = np.array([info.min, 0, info.max], dtype=dtype)
        else:
            values = rng.standard_normal(3).astype(dtype)
        inp = httpclient.InferInput(f"in_{name}", [3], name)
        inp.set_data_from_numpy(values, binary_data=binary)
        inputs.append(inp)
        expected[f"out_{name}"] = values
    # tritonclient sends and reads BF16 in binary form only (JSON BF16 is covered by test_raw_http.py).
    bf16 = httpclient.InferInput("in_BF16", [3], "BF16")
    bf16_values = np.array([1.5, -2.0, 0.25], dtype=ml_dtypes.bfloat16)
    bf16.set_data_from_numpy(bf16_values, binary_data=True)
    inputs.append(bf16)
    outputs = [httpclient.InferRequestedOutput(name, binary_data=binary) for name in expected]
    outputs.append(httpclient.InferRequestedOutput("out_BF16", binary_data=True))
    result = client.infer("identity_types", inputs, outputs=outputs)
    for name, values in expected.items():
        got = result.as_numpy(name)
        if values.dtype == np.object_:
            # tritonclient gives JSON BYTES back as str and binary BYTES as bytes.
            assert [g if isinstance(g, bytes) else g.encode() for g in got] == list(values), name
        else:
            np.testing.assert_array_equal(got, values, err_msg=name)
    np.testing.assert_array_equal(result.as_numpy("out_BF16").astype(np.float32), bf16_values.astype(np.float32))


def test_versions(client):
    x = np.array([10, 20], dtype=np.float32)
    for version, add in (("1", 1), ("2", 2), ("", 2)):
        inp = httpclient.InferInput("x", [2], "FP32")
        inp.set_data_from_numpy(x)
        result = client.infer("multi_version", [inp], model_version=version)
        np.testing.assert_array_equal(result.as_numpy("y"), x + add)
        assert result.get_response()["model_version"] == (version or "2")
    assert client.get_model_metadata("multi_version")["versions"] == ["1", "2"]
    with pytest.raises(InferenceServerException) as e:
        client.get_model_metadata("multi_version", "9")
    assert "9" in e.value.message()


def test_errors_come_back_as_exceptions_with_messages(client):
    inp = httpclient.InferInput("features", [1, 3], "FP32")
    inp.set_data_from_numpy(np.zeros((1, 3), np.float32))
    with pytest.raises(InferenceServerException) as e:
        client.infer("tiny_mlp", [inp])
    assert "input 'features'" in e.value.message()
    assert "[-1,4]" in e.value.message()
    assert e.value.status() == "400"
