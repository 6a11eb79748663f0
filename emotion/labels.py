"""The expressions, in one table: the order of every probability vector in the project, each one's colour (its
boxes, its line in the timelines) and where the training data names it. Everything else is derived from it; one
more row, and a retrain, adds a class (docs/model.md)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Expression:
    name: str  # what the page, REST, the CSV and the model card call it
    colour: tuple[int, int, int]  # RGB
    ferplus_column: str  # its vote column in FER+'s ferplus.csv
    fer2013_code: int | None  # its emotion code in the original fer2013.csv; None where FER2013 has no such label


EXPRESSIONS: tuple[Expression, ...] = (
    Expression("angry", (220, 50, 47), "anger", 0),
    Expression("disgust", (133, 153, 0), "disgust", 1),
    Expression("fear", (108, 113, 196), "fear", 2),
    Expression("happy", (250, 180, 0), "happiness", 3),
    Expression("neutral", (147, 161, 161), "neutral", 6),
    Expression("sad", (38, 139, 210), "sadness", 4),
    Expression("surprise", (211, 54, 130), "surprise", 5),
)
CLASSES: tuple[str, ...] = tuple(expression.name for expression in EXPRESSIONS)
COLOURS: dict[str, tuple[int, int, int]] = {expression.name: expression.colour for expression in EXPRESSIONS}
