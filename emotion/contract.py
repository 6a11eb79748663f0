"""What a model promises the code that serves it: its classes in order, its input size, how a face is cropped for
it and which head is served. The model card (model_card.json beside the .keras file) states it; the Classifier
checks a loaded model against it and refuses a mismatch, naming both sides."""

from dataclasses import asdict, dataclass

from emotion.label_sets import SERVED_HEAD
from emotion.labels import CLASSES
from emotion.preprocess import ALIGN_EYES, FACE_MARGIN, INPUT_SIZE


class ContractMismatch(ValueError):
    """A model (or its card) that does not fit the code serving it."""


@dataclass(frozen=True)
class ModelContract:
    classes: tuple[str, ...]  # the order of each head's probabilities
    input_size: int  # faces are input_size x input_size grayscale, raw 0..255 pixels
    face_margin: float  # the crop: the square around the detector's box, grown by this share of its side
    align_eyes: bool  # whether the crop is turned so the eyes are level
    served_head: str  # the head the app shows as bars

    def to_dict(self) -> dict:
        return asdict(self) | {"classes": list(self.classes)}

    @classmethod
    def from_dict(cls, record: dict) -> "ModelContract":
        return cls(**(record | {"classes": tuple(record["classes"])}))


# What this code serves: a card's contract must say the same, or its model is refused.
SERVED = ModelContract(CLASSES, INPUT_SIZE, FACE_MARGIN, ALIGN_EYES, SERVED_HEAD)


def check_card(contract: ModelContract, source: str) -> None:
    """Raise ContractMismatch unless the card's contract is the one this code serves (its served head aside: a
    model may serve another head when it lacks this code's)."""
    for name in ("classes", "input_size", "face_margin", "align_eyes"):
        theirs, ours = getattr(contract, name), getattr(SERVED, name)
        if theirs != ours:
            raise ContractMismatch(
                f"{source} was made for {name} {_shown(theirs)}, but this code serves {name} "
                f"{_shown(ours)}: retrain the model, or serve it with the code it was made with"
            )


def check_model(input_shape: tuple, output_widths: dict[str, int], contract: ModelContract, source: str) -> None:
    """Raise ContractMismatch unless the model's input and every head's output fit `contract`."""
    expected = (contract.input_size, contract.input_size, 1)
    if tuple(input_shape[1:]) != expected:
        raise ContractMismatch(
            f"{source} takes input of shape {tuple(input_shape[1:])}, but its contract says "
            f"{contract.input_size}x{contract.input_size} grayscale faces {expected}"
        )
    for head, width in output_widths.items():
        if width != len(contract.classes):
            raise ContractMismatch(
                f"{source} gives {width} probabilities a face from head '{head}', but its "
                f"contract names {len(contract.classes)} classes ({', '.join(contract.classes)})"
            )
    if contract.served_head not in output_widths:
        raise ContractMismatch(
            f"{source} has no head '{contract.served_head}', the one its contract serves "
            f"(its heads: {', '.join(output_widths)})"
        )


def _shown(value) -> str:
    return f"({', '.join(value)})" if isinstance(value, tuple) else str(value)
