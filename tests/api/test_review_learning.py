"""Learning from a correction, end to end on the real pipeline and a real service.

Document A labels the household size "Box G", a form code the schema does not list and no
semantic match can map (a near-miss such as "Occupants" is now found by the semantic
extractor, so it would not show learning): the extractors miss the field and A needs review.
A reviewer types the value; the label beside
it is learned. Document B — another applicant's form with the same phrasing — then comes
out accepted with the household size right, with no review.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.live import live_service
from tests.synthetic.render import render_pdf
from tests.synthetic.spec import make_form

pytestmark = [pytest.mark.ml, pytest.mark.slow]

PHRASING = "Box G"


def _form(index: int) -> tuple[bytes, int]:
    form = make_form(index, "learning", "inline", "hint")
    form.fields["household_size"].label = PHRASING
    return render_pdf(form), int(form.fields["household_size"].value)


def test_a_corrected_phrasing_is_extracted_on_the_next_document(tmp_path: Path) -> None:
    pdf_a, size_a = _form(1)
    pdf_b, size_b = _form(2)
    with live_service(tmp_path) as svc:
        # Before anyone teaches it, both forms miss the field.
        doc_a, doc_b_before = svc.upload(
            "uploader", [("a.pdf", pdf_a), ("b.pdf", pdf_b)], "application"
        )
        done = svc.wait_done("uploader", [doc_a, doc_b_before])
        assert done == {doc_a: "needs_review", doc_b_before: "needs_review"}
        with svc.client("reviewer") as rv:
            record_a = rv.get(f"/v1/documents/{doc_a}/record").json()
            assert record_a["fields"]["household_size"]["value"] is None
            assert rv.post(f"/v1/review/{doc_a}/claim").status_code == 200
            field = rv.put(
                f"/v1/review/{doc_a}/fields/household_size", json={"value": str(size_a)}
            ).json()
            assert field["value"] == size_a and field["valid"]
            assert rv.get("/v1/review/learned/application").json() == {
                "household_size": [PHRASING]
            }
            approved = rv.post(f"/v1/review/{doc_a}/approve")
            assert approved.status_code == 200, approved.text

        [doc_b] = svc.upload("uploader", [("b.pdf", pdf_b)], "application")
        assert svc.wait_done("uploader", [doc_b]) == {doc_b: "accepted"}
        with svc.client("uploader") as up:
            record_b = up.get(f"/v1/documents/{doc_b}/record").json()
        hs = record_b["fields"]["household_size"]
        assert hs["value"] == size_b and hs["valid"]
        assert hs["label"] == PHRASING
