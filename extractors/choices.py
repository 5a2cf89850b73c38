"""``CheckboxGroupExtractor``: the ticked box of a group of options → an enum member.

Boxes are grouped by how close they sit; each group's option labels are matched to the
field's members (lexically, then by meaning) and, since a group lists each option once, the
labels and members are paired by the best one-to-one assignment. The group that matches the
members best is the field's; its ticked box gives the value.
"""

from __future__ import annotations

from itertools import permutations

from idp.datamodel import Checkbox, Page
from idp.extraction import Candidate, ExtractionContext, normalise_confidence, source_id
from idp.extraction.labels import label_parts
from idp.schemas import FieldSource, FieldSpec
from idp.text import normalise_label

GROUP_GAP = 3.0
"""Boxes further apart than this many box heights (vertically) start a new group."""
MIN_GROUP_SCORE = 0.35
"""Mean option–member score below which a group of boxes is some other question."""


def group_boxes(boxes: list[Checkbox]) -> list[list[Checkbox]]:
    """Checkboxes in reading order, split where the vertical gap is large."""
    ordered = sorted(boxes, key=lambda b: (round(b.bbox[1]), b.bbox[0]))
    groups: list[list[Checkbox]] = []
    for box in ordered:
        height = max(box.bbox[3] - box.bbox[1], 1e-6)
        if groups and box.bbox[1] - max(b.bbox[3] for b in groups[-1]) <= GROUP_GAP * height:
            groups[-1].append(box)
        else:
            groups.append([box])
    return groups


class CheckboxGroupExtractor:
    """Enum fields whose schema source is ``checkbox_group``."""

    name = "checkbox"

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """One candidate per ticked box of the best-matching group, per enum field."""
        out: list[Candidate] = []
        groups = [g for g in group_boxes(page.checkboxes) if len(g) >= 2]
        for name, spec in context.schema.fields.items():
            if spec.source != FieldSource.CHECKBOX_GROUP or not groups:
                continue
            scored = [(self._assign(group, spec, context), group) for group in groups]
            (score, members), group = max(scored, key=lambda item: item[0][0])
            if score < MIN_GROUP_SCORE:
                continue
            ticked = [(box, members[i]) for i, box in enumerate(group) if box.checked]
            for box, (member, member_score) in ticked:
                if member is None:
                    continue
                bbox = page.relative(box.label_bbox or box.bbox)
                out.append(
                    Candidate(
                        field=name,
                        text=box.label,
                        value=member,
                        page=page.number,
                        bbox=bbox,
                        extractor=self.name,
                        label=box.label,
                        label_score=min(1.0, 0.5 * member_score + 0.5 * score),
                        ocr_confidence=normalise_confidence(box.confidence),
                        source_id=source_id(page.number, bbox),
                        errors=["more than one box is ticked"] if len(ticked) > 1 else [],
                        features={"group_score": score, "ticked": float(len(ticked))},
                    )
                )
        return out

    def _assign(
        self, group: list[Checkbox], spec: FieldSpec, context: ExtractionContext
    ) -> tuple[float, list[tuple[str | None, float]]]:
        """Mean score of the best one-to-one box → member assignment, and that assignment."""
        members = list(spec.enum)
        sims = [[_member_score(box.label, m, spec, context) for m in members] for box in group]
        n = len(group)
        best_total, best_perm = -1.0, None
        if n <= len(members) <= 7:
            for perm in permutations(range(len(members)), n):
                total = sum(sims[i][perm[i]] for i in range(n))
                if total > best_total:
                    best_total, best_perm = total, perm
        if best_perm is None:  # more boxes than members: each box takes its best member
            assignment = []
            for row in sims:
                j = max(range(len(members)), key=lambda k: row[k])
                assignment.append((members[j] if row[j] > 0 else None, row[j]))
            return sum(s for _, s in assignment) / max(n, 1), assignment
        assignment = [(members[best_perm[i]], sims[i][best_perm[i]]) for i in range(n)]
        return best_total / n, assignment


def _member_score(label: str, member: str, spec: FieldSpec, context: ExtractionContext) -> float:
    """How well one option label names one enum member, 0–1."""
    from rapidfuzz import fuzz

    phrasings = [normalise_label(p) for p in [member.replace("_", " "), *spec.enum[member]]]
    best = 0.0
    for part in label_parts(label):
        for phrasing in phrasings:
            best = max(best, fuzz.ratio(part, phrasing) / 100.0 if part != phrasing else 1.0)
    if best >= 0.9:
        return best
    lexical = best if best >= 0.8 else 0.0
    semantic = context.labels.similarity(label, phrasings)
    return max(lexical, semantic)
