"""What the pipeline learns about a document's pages: words, layout and key–value pairs.

Boxes inside a page are in that page's own units (PDF points for a text-layer page,
pixels for a scanned one), origin top-left, as ``(x0, y0, x1, y1)``. ``Page.relative``
turns one into the 0–1 box of the record contract.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from idp.geometry import BBox, to_relative


class PageSource(StrEnum):
    """How a page's words were obtained."""

    TEXT_LAYER = "text_layer"
    OCR = "ocr"


class Word(BaseModel):
    """One word with its box and reading confidence (1.0 for a text layer)."""

    text: str
    bbox: BBox
    confidence: float = 1.0


class Line(BaseModel):
    """Words on one visual line, left to right."""

    text: str
    bbox: BBox
    word_ids: list[int] = Field(default_factory=list)
    confidence: float = 1.0


class Block(BaseModel):
    """A region of the page in reading order (text, title, table, figure, list)."""

    type: str = "text"
    bbox: BBox
    line_ids: list[int] = Field(default_factory=list)
    order: int = 0
    score: float = 1.0


class TableCell(BaseModel):
    """One cell of a table; ``row`` and ``col`` count from 0."""

    row: int
    col: int
    bbox: BBox
    text: str = ""


class Table(BaseModel):
    """A ruled or unruled table as rows and cells."""

    bbox: BBox
    ruled: bool = True
    n_rows: int
    n_cols: int
    cells: list[TableCell] = Field(default_factory=list)

    def rows(self) -> list[list[str]]:
        """The table's text as a list of rows."""
        grid = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for cell in self.cells:
            grid[cell.row][cell.col] = cell.text
        return grid


class Checkbox(BaseModel):
    """A tick box, its state and the label beside it."""

    bbox: BBox
    checked: bool
    confidence: float
    label: str = ""
    label_bbox: BBox | None = None


class SignatureMark(BaseModel):
    """A signature line and whether something is written on it."""

    bbox: BBox
    signed: bool
    confidence: float
    label: str = ""
    label_bbox: BBox | None = None
    kind: str = ""
    """What is on the line: ``drawn`` (a pen mark), ``typed`` (``/s/ Name``), ``stamp``,
    ``printed_name`` (a typed name only, not a signature) or ``empty``."""


class KeyValue(BaseModel):
    """A generic label → value pair found on a page (**contract**, see ARCHITECTURE.md).

    Unlike other layout boxes, ``key_bbox`` and ``value_bbox`` are relative to the page
    (0–1, origin top-left), as the record contract shows them.
    """

    key: str
    value: str
    confidence: float
    page: int
    key_bbox: list[float]
    value_bbox: list[float] | None = None
    relation: str = "right"
    """Where the value sits relative to its key: right, below, inside, cell."""
    origin: str = ""
    """How the layout stage found the pair: ``checkbox`` (a question and its ticked option),
    ``signature`` (typed text on a signature line), ``table`` (label cell → value cell),
    ``box`` (label at the top of a ruled box), ``colon`` (a label ending in ":"), ``gap``
    (label and value apart on one row), ``stacked`` (value under its label); for a
    possible pair also ``right`` and ``below`` (the neighbouring segment). Empty on pairs
    recorded before origins were kept."""


def normalise_confidence(value: float) -> float:
    """A reading confidence as 0–1, whether it came as a fraction or a percentage."""
    if value < 0:
        return 0.0
    return min(value / 100.0 if value > 1.0 else value, 1.0)


class Page(BaseModel):
    """Everything read from one page. ``number`` counts from 1."""

    number: int
    width: float
    height: float
    source: PageSource
    rotation: int = 0
    """Degrees the page image was turned to read it upright (0, 90, 180, 270)."""
    rotation_method: str | None = None
    """How ``rotation`` was decided on an OCR page: ``profile`` / ``classifier`` (found
    upright by the cheap signals), ``…+reading`` (a turn confirmed by reading a sample both
    ways), ``reading`` (a proposed turn refused: the page read better as it came), ``off``
    (automatic rotation disabled by ``ocr.auto_rotate``)."""
    ocr_engine: str | None = None
    """Which OCR engine read the page (``tesseract`` or ``rapidocr``), on OCR pages."""
    skew: float = 0.0
    """Degrees of skew corrected before OCR."""
    dpi: float | None = None
    image_key: str | None = None
    """Object-storage key of the page image, when one was stored."""
    words: list[Word] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)
    blocks: list[Block] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    checkboxes: list[Checkbox] = Field(default_factory=list)
    signatures: list[SignatureMark] = Field(default_factory=list)
    key_values: list[KeyValue] = Field(default_factory=list)
    """The page's key–value pairs: each segment in at most one pair (the record's)."""
    possible_pairs: list[KeyValue] = Field(default_factory=list, exclude=True)
    """Further pairings a segment may take part in besides its ``key_values`` one (a label
    with its right neighbour *and* the line below), for the extractors' label matcher to
    weigh; derived from the words, never stored and never in the record."""
    errors: list[str] = Field(default_factory=list)

    def relative(self, bbox: BBox) -> list[float]:
        """The box as fractions of the page (0–1, origin top-left), rounded to 4 places."""
        return to_relative(bbox, self.width, self.height)

    @property
    def text(self) -> str:
        """The page's text, line by line in reading order."""
        return "\n".join(line.text for line in self.lines)
