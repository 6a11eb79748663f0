"""The page's faces table: what a person reads of each face. The boxes' pixel numbers are in the JSON and CSV
downloads (emotion.results), and the face's number is drawn beside its box, which keeps the four columns readable
on a phone."""

from emotion.results import WARNING_SEPARATOR, FaceResult

TABLE_HEADERS = ["face", "expression", "probability", "warnings"]


def table_row(number: int, face: FaceResult) -> list:
    """One line of the table (TABLE_HEADERS): a percentage, as the bars and the boxes show it (the CSV and REST
    keep fractions)."""
    return [number, face.label, f"{face.scores[face.label]:.0%}", WARNING_SEPARATOR.join(face.warnings)]
