"""The page's API as a Gradio client sees it: three named endpoints, each output named, plain values back."""

import httpx
from gradio_client import Client, handle_file

API = {"/predict", "/predict_whole_image", "/predict_video"}


def test_the_api_lists_three_named_endpoints_with_named_outputs(server):
    url, _ = server
    info = httpx.get(f"{url}/gradio_api/info", timeout=30).json()
    assert set(info["named_endpoints"]) == API and not info["unnamed_endpoints"]
    for endpoint in info["named_endpoints"].values():
        outputs = [answer["label"] for answer in endpoint["returns"]]
        assert outputs[-1] == "Message" and all(label and not label.startswith("value_") for label in outputs)
        assert "Literal[]" not in str(endpoint) and "press" not in endpoint["description"].lower()
        assert endpoint["description"]  # what it returns, from the handler's docstring


def test_predict_answers_plain_values(server, astronaut_file, tmp_path):
    url, _ = server
    client = Client(url, verbose=False, download_files=str(tmp_path))
    picture, faces, message = client.predict(handle_file(str(astronaut_file)), api_name="/predict")
    assert picture.endswith("astronaut-faces.png") and message == "Found 1 face."
    assert isinstance(faces, list) and set(faces[0]) >= {"box", "scores", "label", "warnings"}
    _, faces, message = client.predict(handle_file(str(astronaut_file)), api_name="/predict_whole_image")
    assert message == "Classified the whole image as one face." and len(faces) == 1
