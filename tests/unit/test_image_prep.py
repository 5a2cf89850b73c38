"""Page preparation without Tesseract: line axis, skew, upside-down evidence, cleaning."""

from __future__ import annotations

import numpy as np
import pytest

from idp.engines import image_prep
from idp.engines.orientation import make_upright, upside_down_evidence
from tests.data.pages import TEXT_LINES, degrade, shuffled_lines, text_page


@pytest.fixture(scope="module")
def page():
    return text_page(shuffled_lines(3), dpi=200, font_name="DejaVuSerif.ttf")


@pytest.mark.parametrize("skew", [-4.0, -2.5, -0.8, 0.0, 1.5, 3.0])
def test_skew_is_measured_to_a_quarter_degree(page, skew):
    img = np.asarray(degrade(page.image, skew=skew, noise=20))
    geometry = image_prep.find_line_geometry(image_prep.halve(img, 1100))
    assert not geometry.vertical
    assert geometry.angle == pytest.approx(skew, abs=0.25)
    assert geometry.strength > 1.5


@pytest.mark.parametrize("rotate", [90, 270])
def test_sideways_pages_are_found_vertical(page, rotate):
    img = np.asarray(degrade(page.image, rotate=rotate, skew=2.0))
    geometry = image_prep.find_line_geometry(image_prep.halve(img, 1100))
    assert geometry.vertical


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSansMono.ttf"])
def test_make_upright_finds_every_quarter_turn(rotate, font):
    page = text_page(shuffled_lines(rotate), dpi=200, font_name=font, point_size=10)
    img = np.asarray(degrade(page.image, rotate=rotate, skew=-1.5, noise=15, seed=rotate))
    upright = make_upright(img, use_classifier=False)
    # degrade() turns counter-clockwise; make_upright reports the clockwise turn back
    assert upright.rotation == rotate
    assert upright.method == "profile"
    assert upright.skew == pytest.approx(-1.5, abs=0.3)
    # Upright A4 is taller than wide again, whatever way it came in.
    assert upright.image.shape[0] > upright.image.shape[1]
    assert upright.image.shape == upright.binary.shape


def test_upside_down_evidence_flips_sign_with_the_page(page):
    binary = image_prep.clean(np.asarray(page.image))
    upright = upside_down_evidence(image_prep.ink_rows(binary))
    flipped = upside_down_evidence(image_prep.ink_rows(binary[::-1, ::-1]))
    # running text measures 0.04–0.09 of the lines' ink; the sign says which way up
    assert upright < -0.03
    assert flipped > 0.03
    assert upside_down_evidence(np.zeros(100)) == 0.0


@pytest.mark.ml
@pytest.mark.parametrize("rotate", [0, 180])
def test_all_capitals_ask_the_classifier(rotate):
    # capitals have no ascenders or descenders to tell up from down
    page = text_page([line.upper() for line in shuffled_lines(5)], dpi=200)
    img = np.asarray(degrade(page.image, rotate=rotate, skew=1.0, noise=10))
    upright = make_upright(img)
    assert upright.method == "classifier"
    assert upright.rotation == rotate


def test_blank_page_is_left_alone():
    blank = np.full((1200, 900), 255, dtype=np.uint8)
    upright = make_upright(blank)
    assert upright.rotation == 0
    assert upright.skew == 0.0
    assert (upright.binary == 255).all()


def test_deskew_keeps_size_and_fills_white(page):
    img = np.asarray(page.image)
    turned = image_prep.deskew(img, 3.0)
    assert turned.shape == img.shape
    assert turned[0, 0] == 255 and turned[-1, -1] == 255
    assert image_prep.deskew(img, 0.05) is img  # too small to be worth a rotation


def test_clean_removes_speckle_and_binarises(page):
    noisy = np.asarray(degrade(page.image, noise=40))
    binary = image_prep.clean(noisy)
    assert set(np.unique(binary)) <= {0, 255}
    # speckle in the blank margin is gone
    margin = binary[: binary.shape[0] // 20]
    assert (margin == 0).mean() < 0.001


def test_to_gray_accepts_colour_and_16_bit():
    rgb = np.zeros((10, 20, 3), dtype=np.uint8)
    rgb[..., 0] = 255
    assert image_prep.to_gray(rgb).shape == (10, 20)
    deep = np.linspace(0, 65535, 200, dtype=np.uint16).reshape(10, 20)
    gray = image_prep.to_gray(deep)
    assert gray.dtype == np.uint8 and gray.max() == 255 and gray.min() == 0


@pytest.mark.parametrize(
    ("dpi", "kind"), [(100, "enlarged"), (150, "enlarged"), (200, "grey"), (300, "binary")]
)
def test_ocr_input_follows_text_size(dpi, kind):
    page = text_page(TEXT_LINES[:6], dpi=dpi, point_size=9)
    gray = np.asarray(degrade(page.image, noise=10, blur=0.5))
    height = image_prep.line_height(image_prep.clean(gray, despeckle=False))
    assert height == pytest.approx(9 / 72 * dpi * 0.8, rel=0.2)  # ink rows of a 9 pt line
    binary = image_prep.clean(gray)
    image, factor = image_prep.ocr_input(gray, binary, height)
    if kind == "enlarged":
        assert 1.2 < factor <= image_prep.MAX_ENLARGE
        assert image.shape[1] == pytest.approx(gray.shape[1] * factor, abs=1)
        assert len(np.unique(image)) > 2  # grey: Tesseract thresholds the enlarged copy
    elif kind == "grey":
        assert factor == 1.0 and image is gray
    else:
        assert factor == 1.0 and image is binary


def test_small_text_is_not_despeckled_away():
    # a bilevel 100 dpi scan, as fax-era forms are: strokes one pixel wide
    page = text_page(TEXT_LINES[:4], dpi=100, point_size=8)
    gray = np.asarray(page.image.point(lambda v: 0 if v < 140 else 255))
    plain = image_prep.clean(gray, despeckle=False)
    # the median filter erases most of such strokes; without it the ink stays
    assert (plain == 0).sum() > 2 * (image_prep.clean(gray) == 0).sum()
    assert (plain == 0).sum() == (gray == 0).sum()
