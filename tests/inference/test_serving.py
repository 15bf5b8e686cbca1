"""TF Serving: the versioned layout, the op check, the README's REST and gRPC requests run through
the exported signature, and the model under concurrent load."""

from __future__ import annotations

import json
import re
import shutil
from concurrent import futures
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_text as text

from readme import readme_block
from tfsenti.cli import main
from tfsenti.inference.predictor import load
from tfsenti.inference.serving import check_serving, export_for_serving

@pytest.fixture(scope="module")
def served(tiny_export, tmp_path_factory) -> Path:
    """The tiny model in TF Serving's layout, under the README's model name `demo`."""
    return export_for_serving(tiny_export, tmp_path_factory.mktemp("serving"), name="demo")


def cli(capsys, *args) -> tuple[int, str, list[str]]:
    """(exit code, stdout, `tfsenti:` lines of stderr) of the CLI run in this process."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, [line for line in err.splitlines() if line.startswith("tfsenti:")]


def test_export_cli_writes_versioned_layout_and_refuses_existing_version(tiny_export, tmp_path,
                                                                         capsys):
    tiny_model = shutil.copytree(tiny_export, tmp_path / "model")  # with what training writes too
    (tiny_model / "logs").mkdir()
    (tiny_model / "report.md").write_text("# report")
    for _ in range(2):
        assert cli(capsys, "export", "--model", tiny_model, "--serving-dir", tmp_path,
                   "--name", "reviews")[0] == 0
    assert sorted(p.name for p in (tmp_path / "reviews").iterdir()) == ["1", "2"]
    version = tmp_path / "reviews" / "2"
    assert {"saved_model.pb", "variables", "assets", "config.json"} <= {p.name for p in version.iterdir()}
    assert not (version / "logs").exists() and not (version / "report.md").exists()
    texts = ["a wonderful, moving film", "dull"]
    np.testing.assert_allclose(load(version).predict(texts).probabilities,
                               load(tiny_model).predict(texts).probabilities, atol=1e-6)

    code, _, errors = cli(capsys, "export", "--model", tiny_model, "--serving-dir", tmp_path,
                          "--name", "reviews", "--version", "2")
    assert code == 2 and len(errors) == 1 and "already exists" in errors[0]
    assert not (tmp_path / "reviews" / "2.partial").exists()
    code, _, errors = cli(capsys, "export", "--model", tmp_path / "nope", "--serving-dir", tmp_path)
    assert code == 2 and len(errors) == 1 and "not an exported tfsenti model" in errors[0]
    code, _, errors = cli(capsys, "export", "--model", tiny_model)
    assert code == 2 and len(errors) == 1 and "--serving-dir" in errors[0]


def test_check_serving_passes_a_tfsenti_export(tiny_export, capsys):
    code, out, _ = cli(capsys, "export", "--model", tiny_export, "--check-serving")
    assert code == 0, out
    assert "tensorflow_text: NormalizeUTF8, RegexSplitWithOffsets, WordpieceTokenizeWithOffsets" in out
    release = ".".join(tf.__version__.split(".")[:2])
    assert "FLAGGED" not in out
    assert f"OK: tensorflow/serving {release} or newer can load this model" in out


def test_check_serving_flags_newer_tensorflow_text_ops(tmp_path, capsys):
    class Trims(tf.Module):
        @tf.function(input_signature=[tf.RaggedTensorSpec([None, None], tf.int32)])
        def __call__(self, ids):
            return text.RoundRobinTrimmer(max_seq_length=4).trim([ids])[0].flat_values

    tf.saved_model.save(Trims(), str(tmp_path))
    check = check_serving(tmp_path)
    assert check.flagged == ["TFText>RoundRobinTrim"] and not check.ok
    code, out, _ = cli(capsys, "export", "--model", tmp_path, "--check-serving")
    assert code == 1
    assert "FLAGGED TFText>RoundRobinTrim" in out and "NOT OK" in out


def _rest_predict(signature, body: dict) -> dict:
    """TF Serving's REST `:predict` in row format: `instances` of a one-input signature."""
    (name,) = signature.structured_input_signature[1]
    outputs = signature(**{name: tf.constant(body["instances"])})
    rows = len(body["instances"])
    as_json = {k: v.numpy().tolist() for k, v in outputs.items()}
    return {"predictions": [{k: (v[i].decode() if isinstance(v[i], bytes) else v[i])
                             for k, v in as_json.items()} for i in range(rows)]}


def test_readme_rest_body_runs_through_the_signature_and_answers_in_the_shown_shape(served):
    body = json.loads(re.search(r"-d '(.*?)'", readme_block("bash", "curl"), flags=re.S).group(1))
    shown = json.loads(readme_block("json", "predictions"))
    loaded = tf.saved_model.load(str(served))
    answer = _rest_predict(loaded.signatures[body["signature_name"]], body)
    assert len(answer["predictions"]) == len(shown["predictions"]) == len(body["instances"])
    for ours, theirs in zip(answer["predictions"], shown["predictions"]):
        assert set(ours) == set(theirs)
        assert len(ours["probabilities"]) == len(theirs["probabilities"]) == 2
        assert abs(sum(ours["probabilities"]) - 1) < 1e-5
        assert ours["label"] in ("neg", "pos") and ours["label"] == ["neg", "pos"][ours["label_id"]]
    assert "localhost:8501/v1/models/demo:predict" in readme_block("bash", "curl")


def test_readme_grpc_snippet_gets_the_models_predictions(served):
    import grpc
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    loaded = tf.saved_model.load(str(served))

    class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
        """The Predict call of TF Serving's model server, for the one model in `served`."""

        def Predict(self, request, context):
            if request.model_spec.name != served.parent.name:
                context.abort(grpc.StatusCode.NOT_FOUND, f"no model {request.model_spec.name}")
            signature = loaded.signatures[request.model_spec.signature_name or "serving_default"]
            inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
            response = predict_pb2.PredictResponse()
            for key, value in signature(**inputs).items():
                response.outputs[key].CopyFrom(tf.make_tensor_proto(value.numpy()))
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(PredictionService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        snippet = readme_block("python", "predict_pb2")
        assert '"localhost:8500"' in snippet
        scope: dict = {}
        exec(snippet.replace('"localhost:8500"', f'"127.0.0.1:{port}"'), scope)
    finally:
        server.stop(None)
    texts = ["What a film!", "Two hours I will never get back."]
    expected = load(served).predict(texts)
    assert scope["probabilities"].dtype == np.float32 and scope["probabilities"].shape == (2, 2)
    np.testing.assert_allclose(scope["probabilities"], expected.probabilities, atol=1e-6)
    assert [label.decode() for label in scope["labels"]] == expected.labels
