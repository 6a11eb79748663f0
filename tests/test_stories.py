"""People stay themselves through the generated stories (harness.clips.STORIES: hard cuts between people, pans,
a face that leaves the frame and comes back within 2 s, one covered for a moment, cuts back and forth), in the
core and through REST and the CLI alike: as many numbers as people shown, and no number spanning two people."""

import json

import httpx
import pytest
from PIL import Image

from emotion.__main__ import main as cli_main
from emotion.video import analyse_clip
from harness.clips import EXAMPLES, STORIES, people_numbered, write_story

FPS = 10  # the stories' frame rate here: enough for 5 samples a second, less to decode


@pytest.fixture(scope="session")
def stories(tmp_path_factory: pytest.TempPathFactory, predictor) -> dict:
    """{name: (clip path, placements, photo boxes)} for every story."""
    folder = tmp_path_factory.mktemp("stories")
    made = {}
    for name, shots in STORIES.items():
        placements = write_story(folder / f"{name}.mp4", shots, fps=FPS)
        photo_boxes = {
            shot.photo: [face.box for face in predictor.predict(Image.open(EXAMPLES / shot.photo).convert("RGB"))]
            for shot in shots
        }
        made[name] = (folder / f"{name}.mp4", placements, photo_boxes)
    return made


def assert_people_kept_apart(people: list[dict], placements, photo_boxes) -> None:
    numbered = people_numbered(people, placements, photo_boxes, FPS)
    shown = set().union(*numbered.values())
    assert len(shown) >= 1
    assert all(len(who) == 1 for who in numbered.values()), numbered  # no number spans two people
    assert len(numbered) == len(shown), numbered  # nobody got two numbers


@pytest.mark.parametrize("name", list(STORIES))
def test_every_story_numbers_each_person_once(name, stories, predictor):
    path, placements, photo_boxes = stories[name]
    assert_people_kept_apart(analyse_clip(predictor, path).to_dict()["faces"], placements, photo_boxes)


def test_the_cut_from_one_man_to_a_baby_starts_a_new_person(stories, predictor):
    """The case that was reported: "Person #1" covered the angry man and then the baby."""
    path, _, _ = stories["cuts"]
    people = analyse_clip(predictor, path).faces
    assert people[0].last_seen < 3.0 and people[1].first_seen >= 3.0


@pytest.mark.slow
def test_rest_and_the_cli_number_the_stories_as_the_core_does(stories, server, tiny_model_path, capsys):
    url, _ = server
    for name, (path, placements, photo_boxes) in stories.items():
        response = httpx.post(f"{url}/process_video", files={"file": (path.name, path.read_bytes())}, timeout=120)
        assert response.status_code == 200, name
        assert_people_kept_apart(response.json()["faces"], placements, photo_boxes)
        assert cli_main(["predict", "--model", str(tiny_model_path), str(path)]) == 0
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert_people_kept_apart(lines, placements, photo_boxes)
